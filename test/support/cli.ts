// Shared by the CLI's integration tests: runs `bin/inet-swarm.js` as a real
// child process, and runs git in scratch repositories.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The executable shim users run. */
export const BIN = fileURLToPath(new URL('../../bin/inet-swarm.js', import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment for CLI child processes: no kubeconfig of the machine leaks in unless the test sets one. */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KUBECONFIG: '',
    HOME: path.join(tmpdir(), 'inet-swarm-cli-test-home-does-not-exist'),
    ...extra,
  };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** Starts the CLI; the caller owns the child (signals, waiting). */
export function spawnCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: options.env ?? cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects a started CLI's output until it exits. */
export function collect(child: ChildProcess): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs the CLI to its end. */
export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliRun> {
  return collect(spawnCli(args, options));
}

const exec = promisify(execFile);

/** Runs git with a fixed identity and no system config; returns trimmed stdout. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'inet-swarm tests',
      GIT_AUTHOR_EMAIL: 'tests@inetswarm.invalid',
      GIT_COMMITTER_NAME: 'inet-swarm tests',
      GIT_COMMITTER_EMAIL: 'tests@inetswarm.invalid',
    },
  });
  return stdout.trim();
}

/** A temporary folder removed by the returned cleanup. */
export async function scratchDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A Cmdenv output with its wall-clock figures (`Elapsed: 0.001s`) masked: all else of two runs' `.out` files must match. */
export function withoutElapsed(text: string): string {
  return text.replace(/Elapsed: [0-9.e+-]+s( \(\d+m \d+s\))?/g, 'Elapsed: <t>');
}
