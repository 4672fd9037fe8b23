// The continuing backend sync (§4.4): a second cluster with a BackupStorage on the same bucket and prefix keeps
// seeing the first cluster's backups, the one taken before its storage existed and the one taken after, with
// the phases the first recorded; a Snapshot deleted in the second cluster (deletionPolicy Delete, so its
// record stays on the backend) is not brought back by the next sync. The second cluster's storages are
// checked every 3 s instead of 5 min, so the test waits for the periodic check, never for a fixed time.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import type { KubeClient } from '../../src/kube/types.ts';
import { BACKUP_CONTROLLERS, type ControllerFactory } from '../../src/operator/backup-controllers.ts';
import {
  backupStorageController,
  backupStorageSources,
  newBackupStorageController,
} from '../../src/reconcilers/backupstorage/reconciler.ts';
import { SYNCED_AT_ANNOTATION } from '../../src/reconcilers/backupstorage/resync-plan.ts';
import {
  backupSession,
  condition,
  createBackupObjects,
  waitForTerminal,
  type Obj,
} from '../harness/backup-setup.ts';
import { clusterTest, waitForGone } from '../harness/cluster.ts';
import { startMinio, type MinioServer } from '../harness/objectstores.ts';
import { startSecondCluster } from '../harness/second-cluster.ts';

const RESYNC_MS = 3_000;

let s3: MinioServer | undefined;
before(async () => {
  s3 = await startMinio();
});
after(async () => {
  await s3?.dispose();
});

/** The backup-flow controllers with the BackupStorage one checking its storages every RESYNC_MS. */
const controllers: readonly ControllerFactory[] = BACKUP_CONTROLLERS.map((make) =>
  make === newBackupStorageController
    ? (deps) =>
        backupStorageController(
          {
            client: deps.client,
            sources: backupStorageSources(deps.informers),
            log: deps.log,
            image: deps.image,
            resyncMs: RESYNC_MS,
          },
          deps.metrics,
        )
    : make,
);

/**
 * Waits for a BackupSession of cluster 1 to succeed (the one named, created here; else the first run, which
 * the BackupConfiguration triggers once Ready) and resolves with its Snapshot once the record is on the
 * backend.
 */
async function backUp(client: KubeClient, namespace: string, bc: string, name?: string): Promise<Obj> {
  if (name) await client.create(KUBESTASH.backupSessions, backupSession(namespace, bc, name), { namespace });
  const session =
    name ??
    (await waitFor(
      async () => (await client.list<Obj>(KUBESTASH.backupSessions, { namespace })).items[0]?.metadata?.name,
      { what: `the first run of ${namespace}/${bc}`, timeoutMs: 60_000 },
    ));
  const done = await waitForTerminal(client, namespace, session);
  assert.equal(done.status?.phase, 'Succeeded', JSON.stringify(done.status));
  return waitFor(
    async () => {
      const list = await client.list<Obj>(KUBESTASH.snapshots, { namespace });
      const s = list.items.find((x) => x.spec?.backupSession === session);
      return s && condition(s, 'SnapshotMetadataUploaded')?.status === 'True' ? s : undefined;
    },
    { what: `the record of the Snapshot of ${namespace}/${session} on the backend`, timeoutMs: 60_000 },
  );
}

/** Resolves with the Snapshot in cluster 2 once it has the phase cluster 1 recorded. */
function synced(c2: KubeClient, namespace: string, s: Obj): Promise<Obj> {
  const name = s.metadata?.name ?? '';
  return waitFor(
    async () => {
      const x = await c2.find<Obj>(KUBESTASH.snapshots, name, namespace);
      return x?.status?.phase === s.status?.phase ? x : undefined;
    },
    {
      what: `Snapshot ${namespace}/${name} ${String(s.status?.phase)} in the second cluster`,
      timeoutMs: 60_000,
    },
  );
}

clusterTest(
  'a second cluster lists the Snapshots the first one records before and after its storage exists, with their phases, and a Snapshot deleted there is not brought back by the next sync',
  async ({ client, namespace, image }, t) => {
    const minio = s3!;
    const { bucket, bc } = await createBackupObjects(client, namespace, minio);
    const first = await backUp(client, namespace, bc);

    const second = await startSecondCluster(image, { controllers });
    t.after(() => second.stop());
    const c2 = second.client;
    await c2.create(K8S.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    // The storage as cluster 1 has it, and the credential Secret it names.
    const storage = await client.get<Obj>(KUBESTASH.backupStorages, 'store', namespace);
    const secretName = (storage.spec?.storage as { s3?: { secretName?: string } } | undefined)?.s3
      ?.secretName;
    assert.ok(secretName, "cluster 1's storage names its Secret");
    await c2.create(
      K8S.secrets,
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secretName, namespace },
        stringData: minio.secretData,
      },
      { namespace },
    );
    await c2.create(
      KUBESTASH.backupStorages,
      {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'BackupStorage',
        metadata: { name: 'store', namespace },
        spec: { ...storage.spec, deletionPolicy: 'Delete' },
      },
      { namespace },
    );
    const firstThere = await synced(c2, namespace, first);
    assert.equal(firstThere.spec?.backupSession, first.spec?.backupSession);

    // A backup taken after cluster 2's storage was initialised and synced once: the periodic check finds it.
    const later = await backUp(client, namespace, bc, 'after');
    const laterThere = await synced(c2, namespace, later);
    assert.deepEqual(laterThere.status?.components, later.status?.components);
    const laterName = later.metadata?.name ?? '';
    await waitFor(
      async () => {
        const events = await c2.list<Obj & { reason?: string; note?: string }>(K8S.events, { namespace });
        return events.items.find((e) => e.reason === 'BackendSynced' && e.note?.includes(laterName));
      },
      { what: `an Event BackendSynced naming ${laterName} in the second cluster`, timeoutMs: 30_000 },
    );

    // Deleted in cluster 2 with deletionPolicy Delete: the record stays, the next completed sync leaves it.
    const firstName = first.metadata?.name ?? '';
    assert.notEqual(firstThere.spec?.deletionPolicy, 'WipeOut');
    await c2.delete(KUBESTASH.snapshots, firstName, { namespace });
    await waitForGone(`Snapshot ${namespace}/${firstName} deleted in the second cluster`, () =>
      c2.get(KUBESTASH.snapshots, firstName, namespace),
    );
    const deletedAt = Date.now();
    await waitFor(
      async () => {
        const bs = await c2.get<Obj>(KUBESTASH.backupStorages, 'store', namespace);
        const at = Date.parse(bs.metadata?.annotations?.[SYNCED_AT_ANNOTATION] ?? '');
        return at > deletedAt ? bs : undefined;
      },
      { what: 'a sync of the second cluster’s storage that started after the deletion', timeoutMs: 30_000 },
    );
    assert.equal(await c2.find(KUBESTASH.snapshots, firstName, namespace), undefined);
    assert.ok(await c2.find(KUBESTASH.snapshots, laterName, namespace));

    // The record is still on the backend: it is the sync that left it, not its absence.
    const keys = await minio.keys(bucket, `${namespace}/`);
    assert.ok(
      keys.some((k) => k.endsWith(`/snapshots/${firstName}.yaml`)),
      `no record of ${firstName} in ${keys.filter((k) => k.includes('/snapshots/')).join(', ')}`,
    );
  },
  360_000,
);
