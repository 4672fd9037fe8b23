// Loopback ports for local components (the dev cluster, the test emulators), and the rule for the race
// that picking them implies: a port found free is free only until someone else binds it, so a component
// that loses that race is started again on fresh ports instead of failing the whole start.
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

/**
 * Chooses a port for a component. `role` names what the port is for (`etcd-client`, `apiserver`, …);
 * `previous` is the port the last start used, worth reusing when free (undefined on a retry: a port that
 * was just lost is not asked for again). Injectable, so a test can hand out a port it holds.
 */
export type PortPicker = (role: string, previous?: number) => Promise<number>;

export const defaultPortPicker: PortPicker = (_role, previous) => reusePort(previous);

/** How many times pickPorts asks again for a role whose port another role of the same start already has. */
const DISTINCT_TRIES = 8;

/**
 * Picks one port per role for a single start, each different from the others. A picker that checks each
 * port alone can hand the same one out twice (the kernel may offer a port again as soon as the probe that
 * found it closes), and a component given one port for two listeners fails as if another process held it.
 */
export async function pickPorts<R extends string>(
  pick: PortPicker,
  requests: readonly { role: R; previous?: number | undefined }[],
): Promise<Record<R, number>> {
  const ports = {} as Record<R, number>;
  const taken = new Set<number>();
  for (const { role, previous } of requests) {
    let port = await pick(role, previous);
    for (let i = 1; taken.has(port); i++) {
      if (i >= DISTINCT_TRIES) throw new Error(`no port for ${role} apart from the ones already picked`);
      port = await pick(role, undefined);
    }
    taken.add(port);
    ports[role] = port;
  }
  return ports;
}

/**
 * The messages with which the components we start report a port someone else holds: Go's
 * `bind: address already in use` (etcd, kube-apiserver, fake-gcs-server), Node's `EADDRINUSE` (Azurite) and
 * MinIO's own wording.
 */
const PORT_TAKEN = /address already in use|EADDRINUSE|port is already in use/i;

/** True when a component's output says it could not bind a port because another process holds it. */
export function portTaken(output: string): boolean {
  return PORT_TAKEN.test(output);
}

/** How many times a component is started before a lost port race fails the start. */
export const START_ATTEMPTS = 4;

/**
 * Whether a failed start is tried again on fresh ports: only when the component exited reporting a port
 * in use, and attempts remain. Any other failure (a crash, a timeout) is the caller's to report.
 */
export function retryOnFreshPorts(failure: { exited: boolean; output: string; attempt: number }): boolean {
  return failure.exited && portTaken(failure.output) && failure.attempt + 1 < START_ATTEMPTS;
}

/** A component that exited during start-up; `output` is the tail of its log. */
export class StartupError extends Error {
  readonly component: string;
  readonly exited: boolean;
  readonly output: string;
  constructor(component: string, message: string, exited: boolean, output: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
    this.component = component;
    this.exited = exited;
    this.output = output;
  }
}

/**
 * Runs `start(attempt)` until it succeeds, trying again while the failure is a StartupError that
 * retryOnFreshPorts accepts; `start` must pick its ports anew on every attempt after the first.
 * `onRetry` hears about each lost race (for the log).
 */
export async function withPortRetry<T>(
  start: (attempt: number) => Promise<T>,
  onRetry?: (err: StartupError, attempt: number) => void,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await start(attempt);
    } catch (err) {
      const retry =
        err instanceof StartupError && retryOnFreshPorts({ exited: err.exited, output: err.output, attempt });
      if (!retry) throw err;
      onRetry?.(err, attempt);
    }
  }
}
