// How an integration test gets its servers. The test command starts one stack
// for all test files and names its state file in INETSWARM_STACK; a test
// file run alone starts a private stack instead.
//
// The private stack runs in a child process (`cli.ts up --exit-with-parent`),
// not in the test process: the test runner only finishes once the event loop
// is empty, which live server handles would prevent, and a child stack is
// stopped even when the test process dies (its stdin pipe closes).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { StackInfo } from './types.ts';

const CLI = join(dirname(fileURLToPath(import.meta.url)), 'cli.ts');

let stack: Promise<StackInfo> | undefined;

/**
 * Returns the endpoints of the shared stack, or starts a private one for
 * this process (once; later calls share it) that stops when the process
 * exits. A test that needs the real node says so with `realNode`: its
 * private stack then starts one, and a shared stack without one fails it.
 */
export function useStack(options: { realNode?: boolean } = {}): Promise<StackInfo> {
  // The old name would otherwise start a private stack beside the shared one without a word.
  if (process.env.INET_SWARM_STACK && !process.env.INETSWARM_STACK) throw new Error('INET_SWARM_STACK is now INETSWARM_STACK (docs/configuration.md)');
  stack ??= process.env.INETSWARM_STACK ? readStackFile(process.env.INETSWARM_STACK) : startChildStack(options.realNode === true);
  return options.realNode ? stack.then(withRealNode) : stack;
}

function withRealNode(info: StackInfo): StackInfo {
  if (!info.realNode) throw new Error('This test needs the real node, and the shared stack has none: start it with `cli.ts up --real-node`');
  return info;
}

async function readStackFile(file: string): Promise<StackInfo> {
  return JSON.parse(await readFile(file, 'utf8')) as StackInfo;
}

async function startChildStack(realNode: boolean): Promise<StackInfo> {
  const stateDir = await mkdtemp(join(tmpdir(), 'inet-swarm-state-'));
  const stateFile = join(stateDir, 'stack.json');
  // Resolved from here, so the test may run from any working directory.
  const tsx = import.meta.resolve('tsx');
  const args = ['--import', tsx, CLI, 'up', '--state', stateFile, '--exit-with-parent', ...(realNode ? ['--real-node'] : [])];
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stopChild = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  // 'exit' handlers run synchronously, so the child stops itself after the
  // signal; the closed stdin pipe covers deaths that skip 'exit'.
  process.once('exit', stopChild);

  let stderrTail: string[] = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    process.stderr.write(chunk);
    stderrTail = [...stderrTail, ...chunk.split('\n')].slice(-60);
  });

  await new Promise<void>((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const onData = (chunk: string): void => {
      stdout += chunk;
      if (/^Stack ready/m.test(stdout)) {
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      reject(
        new Error(
          `The local stack failed to start (exit ${code ?? signal}):\n${stderrTail.join('\n')}`,
        ),
      );
    };
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });

  const info = await readStackFile(stateFile);
  await rm(stateDir, { recursive: true, force: true });
  // Let the test process end when its tests are done; the stack goes with it.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as Socket).unref();
  return info;
}
