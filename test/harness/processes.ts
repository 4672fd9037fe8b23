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

export interface Proc {
  pid: number;
  /** Its process group. */
  pgid: number;
  /** The state letter of /proc/<pid>/stat (R, S, T for stopped, Z, ...). */
  state: string;
  argv: string[];
}

/** The processes of this machine (those that exit while being read are left out). */
export function processes(): Proc[] {
  const out: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(entry), pgid: Number(pgrp), state: state ?? '', argv });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}
