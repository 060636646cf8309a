// The runner's side of inet-swarm-launcher (launcher.c): a small long-lived
// process that starts simulations on the runner's behalf, so that starting
// one costs a write instead of a fork of the whole Node process (see
// launcher.c for why, and for the protocol). Either a child of this process
// spoken to over pipes, or, in a pod, the launcher of the sandbox container
// reached over its Unix socket, so that user code runs apart from the
// runner's credentials. One Launcher per runner; the child is restarted, or
// the socket reconnected, on the next start after it was lost.
import { spawn } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

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
  /** The launcher (process or connection) that runs it. */
  proc: Channel;
}

/** One launcher process or connection: requests go in, reply lines come out. */
interface Channel {
  write(request: string): void;
  /** Still usable: the process runs, the connection is open. */
  open(): boolean;
  /** Ends the requests (the launcher kills what still runs) and waits until the launcher is gone. */
  end(): Promise<void>;
}

/** Where the launcher is: an executable to start, or the socket of one that listens (launcher.c --listen). */
export type LauncherTarget = string | { socket: string; connectTimeoutMs: number };

const signalNames = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));
const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

const request = (fields: string[]) => fields.map((f) => `${f}\0`).join('');

export class Launcher {
  private live: Channel | undefined;
  private connecting: Promise<Channel> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /**
   * @param target the launcher executable, or the socket of a listening launcher
   * @param env the environment of every simulation, sent to the launcher (a spawned one also runs in it)
   */
  constructor(
    private readonly target: LauncherTarget,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Starts a command with stdout and stderr going to `outputFile`; rejects like spawn would (ENOENT etc.). */
  async launch(command: LaunchCommand, outputFile: string): Promise<Launched> {
    const proc = await this.running();
    const id = this.nextId++;
    return new Promise<Launched>((started, failed) => {
      this.pending.set(id, { started, failed, command, outputFile, proc });
      proc.write(request(['s', String(id), command.cwd, outputFile, String(command.args.length + 1), command.executable, ...command.args]));
    });
  }

  /** Ends the launcher (or the connection to it); it kills whatever still runs. */
  async close(): Promise<void> {
    const proc = await (this.connecting ?? Promise.resolve(this.live)).catch(() => undefined);
    if (proc?.open()) await proc.end();
  }

  /** The live launcher, or the one being started or connected to (one at a time, whatever the number of callers). */
  private running(): Promise<Channel> {
    if (this.connecting) return this.connecting;
    if (this.live?.open()) return Promise.resolve(this.live);
    this.connecting = this.opened().then(
      (proc) => {
        this.live = proc;
        this.connecting = undefined;
        return proc;
      },
      (err: unknown) => {
        this.connecting = undefined;
        throw err;
      },
    );
    return this.connecting;
  }

  /** A new launcher, told first the environment of its simulations. */
  private async opened(): Promise<Channel> {
    const proc = typeof this.target === 'string' ? this.spawned(this.target) : await this.connected(this.target.socket, this.target.connectTimeoutMs);
    const vars = Object.entries(this.env).flatMap(([name, value]) => (value === undefined ? [] : [`${name}=${value}`]));
    proc.write(request(['e', String(vars.length), ...vars]));
    return proc;
  }

  private spawned(path: string): Channel {
    const child = spawn(path, [], { env: this.env, stdio: ['pipe', 'pipe', 'inherit'] });
    const proc: Channel = {
      write: (text) => child.stdin.write(text),
      open: () => child.exitCode === null && child.signalCode === null,
      end: async () => {
        const exited = new Promise((resolve) => child.once('close', resolve));
        child.stdin.end();
        await exited;
      },
    };
    // A write to a launcher that just died fails; its 'close' settles every pending start.
    child.stdin.on('error', () => undefined);
    child.once('error', (err) => this.lost(proc, `the launcher ${path} failed: ${err.message}`));
    // 'close' comes after the last reply line was read: a run that ended just before is not lost.
    child.once('close', (code, signal) => this.lost(proc, `the launcher exited (${signal ?? `code ${code}`})`));
    this.readReplies(proc, child.stdout);
    return proc;
  }

  /** A connection to the launcher listening on `path`, retried until it accepts or `timeoutMs` passed (its container may start later). */
  private async connected(path: string, timeoutMs: number): Promise<Channel> {
    const socket = await connectWithin(path, timeoutMs);
    let closed = false;
    const proc: Channel = {
      write: (text) => socket.write(text),
      open: () => !closed,
      end: async () => {
        const gone = new Promise((resolve) => socket.once('close', resolve));
        socket.end();
        await gone;
      },
    };
    socket.on('error', () => undefined);
    socket.once('close', () => {
      closed = true;
      this.lost(proc, `the connection to the launcher at ${path} closed`);
    });
    this.readReplies(proc, socket);
    return proc;
  }

  private readReplies(proc: Channel, from: Readable): void {
    createInterface({ input: from }).on('line', (line) => this.onReply(proc, line));
  }

  private onReply(proc: Channel, line: string): void {
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
          if (this.pending.has(id) && proc.open()) proc.write(request(['k', String(id), String(constants.signals[signal])]));
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

  /** Settles every run of a launcher that died or was disconnected; its processes died with it (PR_SET_PDEATHSIG, or killed at the connection's end). */
  private lost(proc: Channel, message: string): void {
    for (const [id, p] of this.pending) {
      if (p.proc !== proc) continue;
      this.pending.delete(id);
      const err = new Error(message);
      if (p.lost) p.lost(err);
      else p.failed(err);
    }
  }
}

/** Connects to a Unix socket, retrying while it is missing or refuses (the launcher not listening yet). */
async function connectWithin(path: string, timeoutMs: number): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = createConnection(path);
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      });
    } catch (err) {
      if (Date.now() + delay > deadline) throw new Error(`No launcher accepted a connection at ${path} within ${timeoutMs / 1000} s: ${(err as Error).message}`, { cause: err });
      await sleep(delay);
    }
  }
}

/** The error Node's spawn would give, naming what could not be opened. */
function spawnError(p: Pending, stage: string, errno: number): Error {
  const code = errnoNames.get(errno) ?? `errno ${errno}`;
  const what = stage === 'exec' ? `spawn ${p.command.executable}` : stage === 'cwd' ? `chdir ${p.command.cwd}` : `open ${p.outputFile}`;
  return Object.assign(new Error(`${what} ${code}`), { code });
}
