// Process supervision for the local stack: every server runs as a child
// process with its own log file, so that a server that fails to build or
// start can be reported with its name, its command and the tail of its log.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A server of the stack failed to build or to start. */
export class StackServerError extends Error {
  constructor(
    readonly server: string,
    readonly command: string,
    readonly logTail: string,
    reason: string,
  ) {
    super(`${server} ${reason}\n  command: ${command}\n  log tail:\n${indent(logTail)}`);
    this.name = 'StackServerError';
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

/** Returns the last `lines` lines of a log file, or a note when it cannot be read. */
export async function logTail(path: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${path})`;
  }
}

/** Asks the kernel for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A server the chaos tests crash and bring back: the same port, data and credentials after restart(). */
export interface CrashableServer {
  port: number;
  user: string;
  password: string;
  logFile: string;
  stop(): Promise<void>;
  /** SIGKILL, as a crash would; restart() brings it back with its data. */
  kill(): Promise<void>;
  /** Stops (if running) and starts again on the same port, data and credentials. */
  restart(): Promise<void>;
}

/** stop(), kill() and restart() of a CrashableServer whose current process launch() (re)starts. */
export function crashLifecycle(current: () => ManagedProcess | undefined, launch: () => Promise<void>): Pick<CrashableServer, 'stop' | 'kill' | 'restart'> {
  return {
    stop: async () => current()?.stop(),
    kill: async () => current()?.kill(),
    restart: async () => {
      await current()?.stop();
      await launch();
    },
  };
}

export interface ManagedProcessOptions {
  /** Name used in logs and errors, e.g. `kube-apiserver`. */
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * A long-running server process. Its stdout and stderr go to its log file;
 * `stop` sends SIGTERM, then SIGKILL after a grace period.
 */
export class ManagedProcess {
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    readonly options: ManagedProcessOptions,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        resolve(this.exitCode);
      });
      child.once('error', () => {
        this.exitCode = -1;
        resolve(-1);
      });
    });
  }

  static start(options: ManagedProcessOptions): ManagedProcess {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('exit', () => setTimeout(() => log.end(), 50));
    return new ManagedProcess(options, child);
  }

  get commandLine(): string {
    return [this.options.command, ...this.options.args].join(' ');
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Builds the error to report when this server did not come up. */
  async failure(reason: string): Promise<StackServerError> {
    return new StackServerError(this.options.name, this.commandLine, await logTail(this.options.logFile), reason);
  }

  /**
   * Polls `ready` until it returns true; fails with the log tail when the
   * process exits first or the deadline passes.
   */
  async waitReady(ready: () => Promise<boolean>, timeoutMs = 60_000, intervalMs = 200): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw await this.failure(`exited with code ${String(this.exitCode)} before it was ready`);
      try {
        if (await ready()) return;
      } catch {
        // not ready yet
      }
      await sleep(intervalMs);
    }
    throw await this.failure(`was not ready within ${timeoutMs} ms`);
  }

  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills the process at once, as a crash would. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Resolves true when a TCP connection to host:port succeeds. */
export async function tcpOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
