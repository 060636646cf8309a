// How the builder starts the user's build commands: through the launcher of
// the pod's `build` container when the pod has one (launcher.c --listen), so
// that they run without the builder's credentials and cannot see its
// processes; else as children of this process (the builder run alone). Either
// way their environment holds none of the builder's INETSWARM_ settings, and
// their output reaches `output` as it comes, and the end of what the build
// printed is kept for a failure's log tail (LogTail).
import { spawn } from 'node:child_process';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { Launcher } from '../../lib/engine/launcher.ts';
import { simulationEnv } from '../../lib/engine/runner-config.ts';

/** Keeps the last lines of everything the build printed, for the failure's log tail. */
export class LogTail {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly max = 80) {}
  write(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > this.max * 2) this.lines = this.lines.slice(-this.max);
  }
  text(): string {
    return [...this.lines, ...(this.partial ? [this.partial] : [])].slice(-this.max).join('\n');
  }
}

export interface Output {
  write(text: string): void;
}

export interface CommandRunner {
  /** Runs `sh -c command` in `cwd`; resolves to its exit code (128 when killed, -1 when it could not start). */
  run(command: string, cwd: string): Promise<number>;
  close(): Promise<void>;
}

export interface CommandOptions {
  /** The `build` container's launcher socket; undefined: spawn here. */
  socket: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Where the launcher writes each command's output (a folder of the shared workspace, outside the tree that is packed). */
  outputDir: string;
  output: Output;
  connectTimeoutMs?: number;
}

export function commandRunner(opts: CommandOptions): CommandRunner {
  // The same rule as for simulations: the INETSWARM_ settings (the store's URI among them) are the builder's own.
  const env = simulationEnv(opts.env);
  if (!opts.socket) return { run: (command, cwd) => spawned(command, cwd, env, opts.output), close: async () => {} };
  const launcher = new Launcher({ socket: opts.socket, connectTimeoutMs: opts.connectTimeoutMs ?? 60_000 }, env);
  let count = 0;
  return {
    run: async (command, cwd) => {
      await mkdir(opts.outputDir, { recursive: true });
      const file = join(opts.outputDir, `command-${++count}.log`);
      const launched = await launcher.launch({ executable: 'sh', args: ['-c', command], cwd }, file).catch((error: Error) => error);
      if (launched instanceof Error) {
        opts.output.write(`${launched.message}\n`);
        return -1;
      }
      const following = follow(file, opts.output, launched.exited);
      const exit = await launched.exited;
      await following;
      return exit.exitCode ?? 128;
    },
    close: () => launcher.close(),
  };
}

function spawned(command: string, cwd: string, env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (data: Buffer) => output.write(data.toString()));
    child.stderr.on('data', (data: Buffer) => output.write(data.toString()));
    child.once('error', (error) => {
      output.write(`${error.message}\n`);
      resolve(-1);
    });
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : -1)));
  });
}

/** Copies what is appended to `path` into `output` until `ended` settled and the file has no more. */
async function follow(path: string, output: Output, ended: Promise<unknown>): Promise<void> {
  let finished = false;
  ended.then(
    () => (finished = true),
    () => (finished = true),
  );
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const decoder = new StringDecoder('utf8');
    for (let position = 0; ; ) {
      // Read once more after the end was seen: what the command wrote last.
      const last = finished;
      const { bytesRead } = await file.read(buf, 0, buf.length, position);
      if (bytesRead > 0) {
        position += bytesRead;
        output.write(decoder.write(buf.subarray(0, bytesRead)));
      } else if (last) break;
      else await sleep(250);
    }
    output.write(decoder.end());
  } finally {
    await file.close();
  }
}
