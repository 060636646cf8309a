// How `run` prints its result: the summary (or the objects of --dry-run, with
// the project detection's reasons) as text with the notes on stderr, or one
// JSON line with --json.
import path from 'node:path';
import type { CliContext, GlobalOptions } from '../context.ts';
import type { RunResult } from '../data/run.ts';
import { formatSummary } from './summary.ts';

/** The JSON document of a result (its `type` tells a summary from the objects of --dry-run). */
export function runResultJson(result: RunResult): Record<string, unknown> {
  switch (result.kind) {
    case 'local':
      return { type: 'summary', ...result.summary, notes: result.notes };
    case 'cluster':
      return {
        type: 'summary',
        ...result.summary,
        namespace: result.namespace,
        campaign: result.campaign,
        build: result.build,
        detached: result.detached,
        notes: result.notes,
      };
    case 'manifests':
      return {
        type: 'manifests',
        build: result.manifests.build,
        campaign: result.manifests.campaign,
        detection: result.detection,
        notes: result.notes,
      };
  }
}

/** Prints the result: the summary or the objects as text, or one JSON line with --json. */
export function printRunResult(result: RunResult, globals: GlobalOptions, ctx: CliContext): void {
  if (globals.json) {
    ctx.stdout.write(`${JSON.stringify(runResultJson(result))}\n`);
    return;
  }
  for (const note of result.notes) ctx.stderr.write(`Note: ${note}\n`);
  if (result.kind === 'cluster' && result.detached) return;
  if (result.kind === 'local' || result.kind === 'cluster') {
    ctx.stdout.write(formatSummary({ ...result.summary, outDir: path.relative(ctx.cwd, result.summary.outDir) || '.' }));
  } else {
    // On stderr, so stdout stays the two objects a script can read.
    for (const line of result.detection) ctx.stderr.write(`Detected: ${line}\n`);
    ctx.stdout.write(`${JSON.stringify(result.manifests.build, null, 2)}\n${JSON.stringify(result.manifests.campaign, null, 2)}\n`);
  }
}
