// What `results --scalars-csv`, `logs --run` and `rerun --failed` read
// through the results API (the download itself is archive-download.ts): the
// service's CSV-R export streamed into a file, one run's detail, and the
// runs a rerun needs, paged by run number.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CampaignSummary, RunDetail, RunPage } from '../../api/results.ts';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import type { RunReason } from '../../lib/engine/decide.ts';
import { CliError } from '../errors.ts';
import type { FailedRun } from '../output/events.ts';
import { scalarTally } from '../data/csv-r.ts';
import { expandRunList, type RerunInput } from '../data/rerun.ts';
import { withQuery, type ResultsApi } from './results-api.ts';

/** The most runs one page of the runs API holds. */
const PAGE = 1000;

/** Writes the service's CSV-R export of campaign `name`'s scalars to `file` (through a temporary name); counts its scalar rows. */
export async function downloadScalarsCsv(api: ResultsApi, name: string, file: string, filter: { module?: string; name?: string } = {}): Promise<{ rows: number; runs: number }> {
  const res = await api.open(withQuery(api.campaign(name, 'proxy', 'scalars'), filter), `exporting the scalars of ${name}`);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const part = `${file}.part`;
  const tally = scalarTally();
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      tally.push(chunk.toString('latin1'));
      done(null, chunk);
    },
  });
  try {
    await pipeline(res, count, createWriteStream(part));
    await rename(part, file);
  } catch (err) {
    await rm(part, { force: true });
    throw new CliError(`Exporting the scalars of ${name} broke: ${(err as Error).message}. Run the same command again.`, { cause: err });
  }
  return tally.result();
}

/** Run `run` of campaign `name`: its record, attempts and output tails. */
export function runDetail(api: ResultsApi, name: string, run: number): Promise<RunDetail> {
  return api.json<RunDetail>(api.campaign(name, 'runs', run), `reading run ${run} of ${name}`);
}

/** Every run number of the campaign's recorded runs of `status`, page after page. */
export async function runNumbers(api: ResultsApi, name: string, status: string): Promise<number[]> {
  const runs: number[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await api.json<RunPage>(withQuery(api.campaign(name, 'runs'), { status, after, limit: PAGE }), `listing the runs of ${name}`);
    for (const row of page.items) runs.push(row.run);
    if (page.next === undefined || page.items.length === 0) return runs;
    after = page.next;
  }
}

/**
 * What `rerun` needs of campaign `campaign`: its succeeded runs and its
 * total. The runs that left a record are listed only when the run filter is
 * an expression (the planned runs are unknown then); for all runs of a
 * config or a list they follow from the total and the filter.
 */
export async function rerunInputOf(api: ResultsApi, campaign: SimulationCampaign): Promise<RerunInput> {
  const name = campaign.metadata.name ?? '';
  const summary = await api.json<CampaignSummary>(api.campaign(name), `reading campaign ${name}`);
  const total = campaign.status?.runs?.total ?? summary.runs.total;
  const filter = campaign.spec.runFilter;
  const listed = filter === undefined || filter.trim() === '' || expandRunList(filter) !== undefined;
  const succeeded = await runNumbers(api, name, 'succeeded');
  // By status, never unfiltered: an unfiltered page lists runs not started too, as pending rows without a record.
  const recorded = listed ? [] : [...succeeded, ...(await Promise.all(['failed', 'running', 'pending'].map((st) => runNumbers(api, name, st)))).flat()];
  return { total, runFilter: filter, succeeded, recorded };
}

/** Requests of run details at a time, for the failed runs of a finished campaign. */
const DETAIL_CONCURRENCY = 8;

/** Every failed run of campaign `name` with how its last attempt ended, as `run`'s summary lists them. */
export async function failedRunsThroughApi(api: ResultsApi, name: string): Promise<FailedRun[]> {
  const runs = await runNumbers(api, name, 'failed');
  const failed: FailedRun[] = new Array<FailedRun>(runs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < runs.length; i = next++) {
      const d = await runDetail(api, name, runs[i] ?? 0);
      const last = d.attemptHistory[d.attemptHistory.length - 1];
      failed[i] = { run: d.run, attempts: d.attempts, reason: (last?.reason ?? 'SimulationError') as RunReason, exitCode: last?.exitCode ?? null, errorLine: d.errorLine ?? d.message };
    }
  };
  await Promise.all(Array.from({ length: Math.min(DETAIL_CONCURRENCY, runs.length) }, worker));
  return failed;
}
