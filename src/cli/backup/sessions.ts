// Which sessions of a BackupConfiguration a command acts on (pure).
import type { BackupConfiguration } from '../../api/kinds/backupconfiguration.ts';
import { q } from '../../common/json.ts';

/** Input the command cannot act on; the message names it and the fix. */
export class CliInputError extends Error {}

/**
 * The sessions named in `sessions` (comma-separated, in the configuration's order), or all of them when it
 * is absent. A name the configuration lacks is refused with the names it has.
 */
export function selectSessions(
  bc: Pick<BackupConfiguration, 'metadata' | 'spec'>,
  sessions?: string,
): string[] {
  const known = bc.spec.sessions.map((s) => s.name);
  if (sessions === undefined) return known;
  const wanted = sessions
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = wanted.filter((s) => !known.includes(s));
  if (wanted.length === 0 || unknown.length > 0) {
    const where = q(`${bc.metadata.namespace ?? ''}/${bc.metadata.name ?? ''}`);
    throw new CliInputError(
      `--sessions ${wanted.length === 0 ? 'is empty' : `names ${unknown.map(q).join(', ')}, not a session of BackupConfiguration ${where}`}: use ${known.map(q).join(', ') || 'none'}`,
    );
  }
  return known.filter((s) => wanted.includes(s));
}
