// The runner's side of inet-swarm-launcher (launcher.c): a small long-lived
// process that starts simulations on the runner's behalf, so that starting
// one costs a pipe write instead of a fork of the whole Node process (see
// launcher.c for why, and for the protocol). One Launcher per runner; it is
// restarted on the next start when it died.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export interface LaunchCommand {
  executable: string;
  args: string[];
  cwd: string;
}

export interface LaunchedExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface Launched {
  pid: number;
  /** Settles when the process ended; rejects when the launcher died first (it takes its processes along). */
  exited: Promise<LaunchedExit>;
  kill(signal: NodeJS.Signals): void;
}

interface Pending {
  started: (launched: Launched) => void;
  failed: (err: Error) => void;
  exited?: (exit: LaunchedExit) => void;
  lost?: (err: Error) => void;
  command: LaunchCommand;
  outputFile: string;
  /** The launcher process that runs it. */
  proc: LauncherProcess;
}

const signalNames = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));
const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

type LauncherProcess = ChildProcessByStdio<Writable, Readable, null>;

export class Launcher {
  private process: LauncherProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /**
   * @param path the launcher executable
   * @param env the environment of every simulation (the launcher passes its own on)
   */
  constructor(
    private readonly path: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Starts a command with stdout and stderr going to `outputFile`; rejects like spawn would (ENOENT etc.). */
  launch(command: LaunchCommand, outputFile: string): Promise<Launched> {
    const proc = this.running();
    const id = this.nextId++;
    return new Promise<Launched>((started, failed) => {
      this.pending.set(id, { started, failed, command, outputFile, proc });
      const fields = ['s', String(id), command.cwd, outputFile, String(command.args.length + 1), command.executable, ...command.args];
      proc.stdin.write(fields.map((f) => `${f}\0`).join(''));
    });
  }

  /** Ends the launcher; it kills whatever still runs. */
  async close(): Promise<void> {
    const proc = this.process;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('close', resolve));
    proc.stdin.end();
    await exited;
  }

  private running(): LauncherProcess {
    if (this.process && this.process.exitCode === null && this.process.signalCode === null) return this.process;
    const proc = spawn(this.path, [], { env: this.env, stdio: ['pipe', 'pipe', 'inherit'] });
    this.process = proc;
    // A write to a launcher that just died fails; its 'close' settles every pending start.
    proc.stdin.on('error', () => undefined);
    proc.once('error', (err) => this.lost(proc, `the launcher ${this.path} failed: ${err.message}`));
    // 'close' comes after the last reply line was read: a run that ended just before is not lost.
    proc.once('close', (code, signal) => this.lost(proc, `the launcher exited (${signal ?? `code ${code}`})`));
    createInterface({ input: proc.stdout }).on('line', (line) => this.onReply(proc, line));
    return proc;
  }

  private onReply(proc: LauncherProcess, line: string): void {
    const [kind, idText, a, b] = line.split(' ');
    const id = Number(idText);
    const p = this.pending.get(id);
    if (!p) return;
    if (kind === 'started') {
      const pid = Number(a);
      const exited = new Promise<LaunchedExit>((resolve, reject) => {
        p.exited = resolve;
        p.lost = reject;
      });
      // A caller may decide never to wait for the exit; a lost launcher must not become an unhandled rejection then.
      exited.catch(() => undefined);
      p.started({
        pid,
        exited,
        kill: (signal) => {
          if (this.pending.has(id) && proc.exitCode === null) proc.stdin.write(`k\0${id}\0${constants.signals[signal]}\0`);
        },
      });
    } else if (kind === 'failed') {
      this.pending.delete(id);
      p.failed(spawnError(p, a!, Number(b)));
    } else if (kind === 'exited') {
      this.pending.delete(id);
      const code = Number(a);
      p.exited?.({ exitCode: code >= 0 ? code : null, signal: code >= 0 ? null : (signalNames.get(Number(b)) ?? null) });
    }
  }

  /** Settles every run of a launcher that died; its processes died with it (PR_SET_PDEATHSIG). */
  private lost(proc: LauncherProcess, message: string): void {
    if (this.process === proc) this.process = undefined;
    for (const [id, p] of this.pending) {
      if (p.proc !== proc) continue;
      this.pending.delete(id);
      const err = new Error(message);
      if (p.lost) p.lost(err);
      else p.failed(err);
    }
  }
}

/** The error Node's spawn would give, naming what could not be opened. */
function spawnError(p: Pending, stage: string, errno: number): Error {
  const code = errnoNames.get(errno) ?? `errno ${errno}`;
  const what = stage === 'exec' ? `spawn ${p.command.executable}` : stage === 'cwd' ? `chdir ${p.command.cwd}` : `open ${p.outputFile}`;
  return Object.assign(new Error(`${what} ${code}`), { code });
}
