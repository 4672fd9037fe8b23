// A port found free may be bound by another process before the component we start binds it. These tests
// hold a port with a net.Server and make the port picker hand it out first: the start must survive by
// trying again on fresh ports.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DevCluster } from '../../src/devcluster/cluster.ts';
import { defaultPortPicker, type PortPicker } from '../../src/devcluster/ports.ts';
import { startAzurite, startFakeGcs, startMinio } from '../harness/objectstores.ts';

interface Held {
  port: number;
  server: Server;
  /** A picker that hands out the held port the first time each of `roles` asks, then free ones. */
  picker(roles: string[]): PortPicker;
  /** The roles that were handed the held port. */
  handedTo: string[];
}

async function holdPort(): Promise<Held> {
  // Connections are closed at once: the port stays taken, and nothing waits on a half-open socket.
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, resolve);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const handedTo: string[] = [];
  return {
    port,
    server,
    handedTo,
    picker(roles) {
      return (role, previous) => {
        if (roles.includes(role) && !handedTo.includes(role)) {
          handedTo.push(role);
          return Promise.resolve(port);
        }
        return defaultPortPicker(role, previous);
      };
    },
  };
}

const release = (h: Held): Promise<void> => new Promise((r) => h.server.close(() => r()));

void test(
  'the dev cluster starts although etcd and the API server are first handed a port another process holds',
  { timeout: 240_000 },
  async () => {
    const held = await holdPort();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-ports-'));
    const lines: string[] = [];
    const cluster = new DevCluster({
      dir,
      log: (m) => lines.push(m),
      pickPort: held.picker(['etcd-client', 'apiserver']),
    });
    try {
      const info = await cluster.start();
      assert.deepEqual(held.handedTo, ['etcd-client', 'apiserver']);
      assert.notEqual(info.etcdClientPort, held.port);
      assert.notEqual(info.apiserverPort, held.port);
      // Each component lost the held port once; a fresh port can, rarely, be lost again to another process
      // on this machine, and that start is retried too, so the count per component is at least one.
      const retried = lines.filter((l) => /could not bind its port .*starting it on fresh ports/.test(l));
      assert.deepEqual(
        [...new Set(retried.map((l) => l.split(' ')[0]))],
        ['etcd', 'kube-apiserver'],
        lines.join('\n'),
      );
      const res = await fetch(`http://127.0.0.1:${info.etcdClientPort}/health`);
      assert.equal(res.status, 200);
    } finally {
      await cluster.stop();
      await release(held);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

for (const [name, start, role] of [
  ['MinIO', startMinio, 'minio'],
  ['fake-gcs-server', startFakeGcs, 'fake-gcs-server'],
  ['Azurite', startAzurite, 'azurite'],
] as const) {
  void test(`${name} starts although it is first handed a port another process holds`, async (t) => {
    const held = await holdPort();
    t.after(() => release(held));
    const lost: string[] = [];
    const emulator = await start(t, { pickPort: held.picker([role]), onPortLost: (m) => lost.push(m) });
    assert.deepEqual(held.handedTo, [role]);
    assert.notEqual(emulator.port, held.port);
    assert.ok(lost.length >= 1, `the lost start is reported: ${lost.join('; ')}`);
  });
}
