// What one run of the fixture writes when a user runs it in their checkout,
// as opp_runall would: the chaos test's oracle for every stored file. The run
// is executed again here, outside the runner and its store, with the same
// binary and the same arguments (opp_runall's `--cmdenv-redirect-output=true`
// and the campaign's extra arguments, the runner's own tag among them), in a
// folder of its own; its `results/` holds the expected bytes.
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What an expected run needs: the built fixture checkout and the run's command. */
export interface ExpectedRun {
  /** The checkout with the built `oppsim` and its ini files. */
  checkout: string;
  /** A folder of its own for this run (created). */
  dir: string;
  config: string;
  run: number;
  extraArgs: string[];
  env: NodeJS.ProcessEnv;
}

/** Runs the run once as a user would and returns its result files by name. */
export async function expectedFiles(e: ExpectedRun): Promise<Map<string, Buffer>> {
  await mkdir(e.dir, { recursive: true });
  // Links, not copies: the ini's `include benchmarks.ini` is found beside the link.
  for (const name of ['oppsim', 'omnetpp.ini', 'benchmarks.ini']) await symlink(join(e.checkout, name), join(e.dir, name));
  const args = ['-s', '-u', 'Cmdenv', '-c', e.config, '-f', 'omnetpp.ini', '-r', String(e.run), '--cmdenv-redirect-output=true', ...e.extraArgs];
  await run('./oppsim', args, { cwd: e.dir, env: e.env });
  const results = join(e.dir, 'results');
  const names = (await readdir(results)).filter((n) => !n.endsWith('.out')).sort();
  return new Map(await Promise.all(names.map(async (n) => [n, await readFile(join(results, n))] as const)));
}

/** Runs `fn` over `items` with at most `limit` at a time, results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
