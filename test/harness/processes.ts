import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** PID and command line of every live process whose command line mentions `dir` or whose working directory is in it. */
export function processesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      continue;
    }
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${entry}/cwd`);
    } catch {
      // gone, or not ours to read
    }
    if (cmd.includes(dir) || cwd.startsWith(dir)) out.push(`${entry} ${cmd.slice(0, 200)}`);
  }
  return out;
}
