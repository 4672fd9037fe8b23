import { createServer } from 'node:net';

/** Asks the kernel for a free loopback port, or checks that `wanted` is still free. */
export function freePort(wanted = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port: wanted, host: '127.0.0.1', exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** `wanted` when it is free, else any free port. */
export async function reusePort(wanted: number | undefined): Promise<number> {
  if (wanted) {
    try {
      return await freePort(wanted);
    } catch {
      // taken: fall through to a new one
    }
  }
  return freePort(0);
}
