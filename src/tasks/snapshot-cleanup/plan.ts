// What a Snapshot's cleanup removes (pure): the restic snapshot ids each component recorded.

export interface CleanupSnapshot {
  metadata?: { name?: string; namespace?: string };
  spec?: { repository?: string; deletionPolicy?: string };
  status?: {
    components?: Record<
      string,
      { path?: string; resticStats?: ({ summary?: { id?: string }; id?: string } | null)[] }
    >;
  };
}

/**
 * The component repositories of the Snapshot with the restic snapshot ids they hold for it, in component
 * order. Both shapes of `resticStats` entries are read: `{summary: {id}}` (current) and a flat `{id}` (the
 * 2023 objects). A component without a path or an id (it failed before restic wrote a snapshot) has
 * nothing to forget and is left out.
 */
export function componentSnapshotIds(
  s: CleanupSnapshot,
): { component: string; path: string; ids: string[] }[] {
  const out: { component: string; path: string; ids: string[] }[] = [];
  for (const [component, c] of Object.entries(s.status?.components ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (!c.path) continue;
    const ids = [
      ...new Set(
        (c.resticStats ?? [])
          .map((r) => r?.summary?.id ?? r?.id)
          .filter((id): id is string => typeof id === 'string' && id !== ''),
      ),
    ];
    if (ids.length > 0) out.push({ component, path: c.path, ids });
  }
  return out;
}
