// Processes as Linux's /proc shows them, for the tests and benchmarks that
// watch processes they did not start themselves (a launcher's simulations,
// the servers' CPU time).
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc times (USER_HZ); 100 on every Linux this project runs on. */
const CLOCK_TICKS = 100;

export interface ProcStat {
  pid: number;
  /** The kernel's command name, cut to 15 characters. */
  name: string;
  /** R, S, D, Z (a zombie: exited, not yet reaped), ... */
  state: string;
  ppid: number;
  /** CPU time in ms (user + system): its own, and that of its reaped children. */
  selfMs: number;
  childrenMs: number;
}

/** Reads /proc/<pid>/stat; undefined once the process is gone. */
export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const tick = 1000 / CLOCK_TICKS;
  return {
    pid,
    name: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
    state: f[0]!,
    ppid: Number(f[1]),
    selfMs: (Number(f[11]) + Number(f[12])) * tick,
    childrenMs: (Number(f[13]) + Number(f[14])) * tick,
  };
}

/** The direct children of a process, zombies included. */
export function childProcesses(ppid: number): ProcStat[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => procStat(Number(entry)))
    .filter((p): p is ProcStat => p?.ppid === ppid);
}
