// How `cairn kubedump backup` shows its progress when run from a terminal: the dump's progress reports
// become one bar redrawn in place, and every other event stays a JSON line (as in a Job log, where each
// progress report is a JSON line of its own). Pure apart from the `write` it is given.
import type { LogLine } from './backup.ts';

export interface ProgressFigures {
  typesDone: number;
  typesTotal: number;
  objects: number;
  bytes: number;
}

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

/** `[########----------------]  12/40 types  3,210 objects  4.1 MiB`, `width` characters of bar. */
export function progressBar(p: ProgressFigures, width = 24): string {
  const ratio = p.typesTotal > 0 ? Math.min(1, Math.max(0, p.typesDone / p.typesTotal)) : 0;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]  ${p.typesDone}/${p.typesTotal} types  ${p.objects.toLocaleString('en-US')} objects  ${mib(p.bytes)}`;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * A log for a terminal: `dump progress` lines redraw the bar (carriage return, no newline); any other line
 * first ends the bar's line, then is written as JSON with its time.
 */
export function terminalLog(
  write: (text: string) => void,
  now: () => Date = () => new Date(),
): (line: LogLine) => void {
  let barShown = false;
  return (line) => {
    if (line.msg === 'dump progress') {
      const bar = progressBar({
        typesDone: num(line.typesDone),
        typesTotal: num(line.typesTotal),
        objects: num(line.objects),
        bytes: num(line.bytes),
      });
      write(`\r${bar}\u001b[K`);
      barShown = true;
      return;
    }
    if (barShown) write('\n');
    barShown = false;
    write(`${JSON.stringify({ time: now().toISOString(), ...line })}\n`);
  };
}
