// How tests and benchmarks start a runner process: as a pod starts it, from
// code compiled ahead of time (the image runs tsc's output; here esbuild
// bundles main.ts into one ES module whose packages stay external, resolved
// through a node_modules link), so it boots with plain node in a fraction of
// tsx's time and runs no compiler hooks. INETSWARM_TEST_TSX=1 runs main.ts
// through tsx instead. The launcher the runner image carries is compiled here
// with the same flags as in the image, and cached like the stack's servers.
import { execFile } from 'node:child_process';
import { symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cachedBinary, inputsKey } from '../stack/cache.ts';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNNER_MAIN = join(REPO_ROOT, 'pods', 'runner', 'main.ts');
const LAUNCHER_SOURCE = join(REPO_ROOT, 'lib', 'engine', 'launcher.c');
/** As in images/Dockerfile.runner-base. */
export const LAUNCHER_CFLAGS = ['-O2', '-Wall', '-Wextra', '-Werror', '-std=c11'];

let launcher: Promise<string> | undefined;

/** inet-swarm-launcher built from this checkout's source (cached by the source's hash; looked up once per process). */
export function launcherBinary(): Promise<string> {
  launcher ??= inputsKey([LAUNCHER_SOURCE], LAUNCHER_CFLAGS).then((key) =>
    cachedBinary({
      name: 'inet-swarm-launcher',
      key,
      command: (output) => ({ command: 'gcc', args: [...LAUNCHER_CFLAGS, '-o', output, LAUNCHER_SOURCE], cwd: REPO_ROOT }),
    }),
  );
  return launcher;
}

/** The node arguments that start a runner; a bundle is written into `dir` (which the caller removes). */
export async function runnerNodeArgs(dir: string): Promise<string[]> {
  if (process.env.INETSWARM_TEST_TSX === '1') return ['--import', 'tsx', RUNNER_MAIN];
  await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  const out = join(dir, 'runner.mjs');
  await promisify(execFile)(join(REPO_ROOT, 'node_modules', '.bin', 'esbuild'), [
    RUNNER_MAIN,
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--packages=external',
    '--log-level=warning',
    `--outfile=${out}`,
  ]);
  return [out];
}

