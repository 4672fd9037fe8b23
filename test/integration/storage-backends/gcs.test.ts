// The GCS storage backend against fake-gcs-server, started by this file: the behaviours every provider
// shares. No dev cluster is needed.
import { after, before, describe } from 'node:test';
import { startFakeGcs, type FakeGcsServer } from '../../harness/objectstores.ts';
import { close, open, PREFIX, ready, type Target } from './fixture.ts';
import { sharedBehaviours } from './shared-behaviours.ts';

describe('GCS backend (fake-gcs-server)', () => {
  let gcs: FakeGcsServer | undefined;
  let t: Target | undefined;
  before(async () => {
    gcs = await startFakeGcs();
    process.stdout.write(`# fake-gcs-server ready in ${gcs.startupMs} ms\n`);
    await gcs.createBucket('cairn-test');
    t = await open(
      gcs.storageSpec('cairn-test', PREFIX),
      gcs.storageSpec('never-created', PREFIX),
      gcs.secretData,
      gcs.backendOptions,
    );
  });
  after(async () => {
    await close(t);
    await gcs?.dispose();
  });

  sharedBehaviours(() => ready(t));
});
