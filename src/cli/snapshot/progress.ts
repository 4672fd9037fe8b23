// How `cairn download` (and the downloads of manifest-view and manifest-restore) show progress: on a
// terminal one bar redrawn in place; otherwise plain lines, one when a component starts and at most one
// every `intervalMs` while it runs. Pure apart from the `write` it is given.
import { bytes } from '../repo/output.ts';

export interface DownloadProgress {
  component: string;
  /** 0..1 */
  fraction: number;
  filesDone: number;
  totalFiles: number;
  bytesDone: number;
  totalBytes: number;
}

/** `manifest  [########--------]  52%  1,204/2,310 files  3.1 MiB/6.0 MiB`, `width` characters of bar. */
export function downloadBar(p: DownloadProgress, width = 24): string {
  const ratio = Math.min(1, Math.max(0, Number.isFinite(p.fraction) ? p.fraction : 0));
  const filled = Math.round(ratio * width);
  const n = (v: number): string => v.toLocaleString('en-US');
  return (
    `${p.component}  [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]  ${Math.floor(ratio * 100)}%  ` +
    `${n(p.filesDone)}/${n(p.totalFiles)} files  ${bytes(p.bytesDone)}/${bytes(p.totalBytes)}`
  );
}

export interface ProgressSink {
  update(progress: DownloadProgress): void;
  /** The download ended: a bar still shown is cleared, so what follows starts on a clean line. */
  finish(): void;
}

/** A terminal: one bar redrawn in place (carriage return); a new component's bar replaces the last one. */
export function terminalProgress(write: (text: string) => void): ProgressSink {
  let shown = false;
  return {
    update(p) {
      write(`\r${downloadBar(p)}\u001b[K`);
      shown = true;
    },
    finish() {
      if (shown) write('\r\u001b[K');
      shown = false;
    },
  };
}

/**
 * Not a terminal (a log, a pipe): a plain line when a component starts, then at most one every `intervalMs`
 * per component.
 */
export function plainProgress(
  write: (text: string) => void,
  now: () => number = Date.now,
  intervalMs = 10_000,
): ProgressSink {
  const last = new Map<string, number>();
  return {
    update(p) {
      const t = now();
      const before = last.get(p.component);
      if (before !== undefined && t - before < intervalMs) return;
      last.set(p.component, t);
      const pct = Math.floor(Math.min(1, Math.max(0, p.fraction)) * 100);
      write(
        `${p.component}: ${before === undefined ? 'downloading, ' : ''}${pct}% (${p.filesDone}/${p.totalFiles} files, ${bytes(p.bytesDone)})\n`,
      );
    },
    finish() {
      last.clear();
    },
  };
}
