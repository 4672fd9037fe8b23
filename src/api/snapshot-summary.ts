// The Snapshot-level values derived from its components: integrity and size.
import { formatSize, parseSize } from './size.ts';

export interface SnapshotComponentSummaryInput {
  integrity?: boolean;
  size?: string;
  /** Present on components written by restic; its presence marks a component that must report both values. */
  resticStats?: readonly unknown[];
}

type Components = Readonly<Record<string, SnapshotComponentSummaryInput>> | undefined;

/**
 * True only when every component that checked its data found it intact. Undefined while any restic
 * component has not reported integrity yet, or when no component reports integrity at all, so a partial
 * result is never shown as a verdict.
 */
export function snapshotIntegrity(components: Components): boolean | undefined {
  let seen = false;
  let intact = true;
  for (const c of Object.values(components ?? {})) {
    if (c.integrity === undefined) {
      if (c.resticStats !== undefined) return undefined;
      continue;
    }
    seen = true;
    intact = intact && c.integrity;
  }
  return seen ? intact : undefined;
}

/**
 * The sum of the component sizes in the KubeStash size format. Undefined while any restic component has no
 * size yet, when a size cannot be read, or when no component reports a size, so a partial total is never
 * shown.
 */
export function snapshotSize(components: Components): string | undefined {
  let seen = false;
  let total = 0;
  for (const c of Object.values(components ?? {})) {
    if (c.size === undefined || c.size === '') {
      if (c.resticStats !== undefined) return undefined;
      continue;
    }
    try {
      total += parseSize(c.size);
    } catch {
      return undefined;
    }
    seen = true;
  }
  return seen ? formatSize(total) : undefined;
}
