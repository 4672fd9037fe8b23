import type { V1Container } from '@kubernetes/client-node';
import { ConfigError } from './env.ts';

/** The image repository Cairn's own image is published under; the runner runs it as Cairn's CLI. */
export const DEFAULT_IMAGE = 'ghcr.io/cairn-backup/cairn';

/** The repository part of an image reference: no tag, no digest. */
export function imageRepository(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/**
 * The arguments to give Cairn's CLI for a container of an image the runner knows. The image's
 * entrypoint is `cairn`, so a container `command` must name it (any path ending in `/cairn`);
 * `prefix` is what the image's entrypoint adds before the arguments.
 */
export function cliArgs(container: V1Container, prefix: readonly string[]): string[] {
  const command = container.command ?? [];
  const args = container.args ?? [];
  if (command.length === 0) return [...prefix, ...args];
  const first = command[0] ?? '';
  if (first === 'cairn' || first.endsWith('/cairn')) return [...command.slice(1), ...args];
  throw new ConfigError(
    `container "${container.name}": command "${first}" cannot run here; the local pod runner runs only the image's cairn entrypoint (leave command empty or start it with cairn)`,
  );
}
