/** A container path and the host directory or file the pod runner gives it. */
export interface Mount {
  mountPath: string;
  hostPath: string;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Rewrites container paths inside a string (an argument, an env value) to their host paths. A mount
 * path matches only as a whole path prefix, at the start of the string or after `=`, `:`, `,` or
 * whitespace; the longest mount path wins, so nested mounts resolve to the inner volume.
 */
export function translatePaths(value: string, mounts: readonly Mount[]): string {
  const usable = mounts.filter((m) => m.mountPath.startsWith('/') && m.mountPath !== '/');
  if (usable.length === 0) return value;
  const sorted = [...usable].sort((a, b) => b.mountPath.length - a.mountPath.length);
  const byPath = new Map(sorted.map((m) => [m.mountPath.replace(/\/+$/, ''), m.hostPath]));
  const re = new RegExp(`(^|[=:,\\s])(${[...byPath.keys()].map(escape).join('|')})(?=$|[/=:,\\s])`, 'g');
  return value.replace(re, (_m, lead: string, path: string) => lead + (byPath.get(path) ?? path));
}
