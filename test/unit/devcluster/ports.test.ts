import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, test } from 'node:test';
import {
  freePort,
  pickPorts,
  portTaken,
  retryOnFreshPorts,
  reusePort,
  START_ATTEMPTS,
  StartupError,
  withPortRetry,
} from '../../../src/devcluster/ports.ts';

function hold(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === 'object' && addr ? addr.port : 0 });
    });
  });
}

const close = (s: Server): Promise<void> => new Promise((r) => s.close(() => r()));

describe('port races', () => {
  test('the messages of etcd, kube-apiserver, fake-gcs-server, MinIO and Azurite for a taken port are recognised', () => {
    for (const line of [
      '{"level":"fatal","msg":"listen tcp 127.0.0.1:40001: bind: address already in use"}',
      'E0101 failed to create listener: failed to listen on 127.0.0.1:6443: listen tcp 127.0.0.1:6443: bind: address already in use',
      'FATAL Unable to start the server: Specified port is already in use',
      'Exit due to unhandled error: listen EADDRINUSE: address already in use 127.0.0.1:10000',
    ]) {
      assert.ok(portTaken(`starting\n${line}\n`), line);
    }
    assert.equal(portTaken('panic: open /data/member: permission denied'), false);
  });

  test('a start is retried only when the component exited over a taken port and attempts remain', () => {
    const taken = 'bind: address already in use';
    assert.equal(retryOnFreshPorts({ exited: true, output: taken, attempt: 0 }), true);
    assert.equal(retryOnFreshPorts({ exited: true, output: taken, attempt: START_ATTEMPTS - 2 }), true);
    assert.equal(retryOnFreshPorts({ exited: true, output: taken, attempt: START_ATTEMPTS - 1 }), false);
    assert.equal(
      retryOnFreshPorts({ exited: false, output: taken, attempt: 0 }),
      false,
      'still running: a timeout',
    );
    assert.equal(retryOnFreshPorts({ exited: true, output: 'segmentation fault', attempt: 0 }), false);
  });

  test('withPortRetry starts again after a lost port and gives up with the last error', async () => {
    const lost = (n: number): StartupError =>
      new StartupError('etcd', `etcd attempt ${n}`, true, 'bind: address already in use');
    const heard: number[] = [];
    const ok = await withPortRetry(
      (attempt) =>
        attempt < 2 ? Promise.reject(lost(attempt)) : Promise.resolve(`started on attempt ${attempt}`),
      (_err, attempt) => heard.push(attempt),
    );
    assert.equal(ok, 'started on attempt 2');
    assert.deepEqual(heard, [0, 1]);
    let calls = 0;
    await assert.rejects(
      withPortRetry((attempt) => {
        calls++;
        return Promise.reject(lost(attempt));
      }),
      new RegExp(`etcd attempt ${START_ATTEMPTS - 1}`),
    );
    assert.equal(calls, START_ATTEMPTS);
    calls = 0;
    await assert.rejects(
      withPortRetry(() => {
        calls++;
        return Promise.reject(new Error('config error'));
      }),
      /config error/,
    );
    assert.equal(calls, 1, 'any other failure is not retried');
  });

  test('a port another process holds is not handed out again: reusePort moves to a free one', async () => {
    const { server, port } = await hold();
    try {
      await assert.rejects(freePort(port), /EADDRINUSE/);
      const other = await reusePort(port);
      assert.notEqual(other, port);
      assert.ok(other > 0);
    } finally {
      await close(server);
    }
    assert.equal(await reusePort(port), port, 'a released port is reused');
  });
  test('the ports of one start are distinct even when the picker offers the same port twice', async () => {
    const offers = [5000, 5000, 5000, 5001, 5001, 5002];
    const asked: [string, number | undefined][] = [];
    const ports = await pickPorts(
      (role, previous) => {
        asked.push([role, previous]);
        return Promise.resolve(offers.shift() ?? 0);
      },
      [{ role: 'client', previous: 5000 }, { role: 'peer', previous: 5000 }, { role: 'metrics' }],
    );
    assert.deepEqual(ports, { client: 5000, peer: 5001, metrics: 5002 });
    assert.deepEqual(
      asked[2],
      ['peer', undefined],
      'a repeated port is asked for again without the previous one',
    );
    await assert.rejects(
      pickPorts(() => Promise.resolve(7), [{ role: 'a' }, { role: 'b' }]),
      /no port for b apart from the ones already picked/,
    );
  });
});
