// The store's answers about one campaign's runs: a page of the runs table, one
// run, failures grouped by error line, throughput, one scalar against one
// iteration variable. Every query is one index range (store.ts ensureIndexes):
// pages are taken by run number (`after`/`before`), never skipped to, so the
// last page of 1,000,000 runs costs what the first does.
import type { Db, ObjectId } from 'mongodb';
import type { FailureGroup, RunPage, ScalarPlot, Throughput } from '../../api/results.ts';
import { fromWinner } from '../../lib/store/pure/winner.ts';
import { runsOf, scalarsOf, type RunDoc } from '../../lib/store/store.ts';
import { storedBytes } from '../files/stored.ts';
import type { PlotChoices, RunQuery } from '../dashboard/data.ts';
import { errorLineOf, errorPattern, runRow } from './summary.ts';

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;
/** The failure groups a campaign shows, and the runs named per group. */
const MAX_GROUPS = 50;
const RUNS_PER_GROUP = 20;
/** How much of a `.out` file a run's page shows. */
const OUT_TAIL_BYTES = 16 * 1024;

const ROW_PROJECTION = { outputTail: 0, attemptHistory: 0, command: 0, resultFiles: 0 } as const;

/**
 * A page of the runs table. Unfiltered, for a campaign whose runs are
 * numbered 0..total-1 (no run filter; `denseTotal`), the page is a range of
 * run numbers read by `_id`, one lookup per run, and a run not started yet is a
 * pending row: no index range is scanned at all, which keeps a page O(limit)
 * on every MongoDB-wire server (FerretDB, the local stack's, pushes down only
 * `_id` equality; see lib/store/success.ts). Filtered by status, it is a
 * range of the `campaign_status_run` index.
 */
export async function runPage(db: Db, uid: string, query: RunQuery & { last?: boolean }, denseTotal?: number): Promise<RunPage> {
  const limit = Math.min(Math.max(query.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
  if (!query.status && denseTotal !== undefined) return denseRunPage(db, uid, query, limit, denseTotal);
  const base = { campaignUid: uid, ...(query.status ? { status: query.status as RunDoc['status'] } : {}) };
  const backwards = query.before !== undefined || query.last === true;
  const bound = backwards
    ? query.before !== undefined ? { run: { $lt: query.before } } : {}
    : query.after !== undefined ? { run: { $gt: query.after } } : {};
  const docs = await runsOf(db)
    .find({ ...base, ...bound }, { projection: ROW_PROJECTION })
    .sort({ run: backwards ? -1 : 1 })
    .limit(limit + 1)
    .toArray();
  const more = docs.length > limit;
  const rows = docs.slice(0, limit);
  if (backwards) rows.reverse();
  const first = rows[0]?.run;
  const lastRun = rows[rows.length - 1]?.run;
  // One side is known from the query (more rows exist), the other needs one look.
  const hasBefore = backwards ? more : first !== undefined && (query.after !== undefined ? await exists(db, { ...base, run: { $lt: first } }) : false);
  const hasAfter = backwards ? lastRun !== undefined && (await exists(db, { ...base, run: { $gt: lastRun } })) : more;
  return {
    items: rows.map(runRow),
    ...(hasAfter && lastRun !== undefined ? { next: lastRun } : {}),
    ...(hasBefore && first !== undefined ? { prev: first } : {}),
  };
}

async function denseRunPage(db: Db, uid: string, query: RunQuery & { last?: boolean }, limit: number, total: number): Promise<RunPage> {
  const start =
    query.before !== undefined ? Math.max(0, Math.min(query.before, total) - limit)
    : query.last ? Math.max(0, total - limit)
    : query.after !== undefined ? query.after + 1
    : 0;
  const end = Math.min(total, start + limit);
  const runs = Array.from({ length: Math.max(0, end - start) }, (_, i) => start + i);
  const docs = await Promise.all(runs.map((run) => runsOf(db).findOne({ _id: `${uid}/${run}` }, { projection: ROW_PROJECTION })));
  return {
    items: runs.map((run, i) => {
      const doc = docs[i];
      return doc ? runRow(doc) : { run, status: 'pending', attempts: 0 };
    }),
    ...(end < total ? { next: end - 1 } : {}),
    ...(start > 0 && runs.length > 0 ? { prev: start } : {}),
  };
}

async function exists(db: Db, filter: Parameters<ReturnType<typeof runsOf>['findOne']>[0]): Promise<boolean> {
  return (await runsOf(db).findOne(filter, { projection: { _id: 1 } })) !== null;
}

/** The run's record from the newest source that has one, with the end of its `.out` file. */
export async function findRun(db: Db, sources: readonly string[], run: number): Promise<{ doc: RunDoc; outTail?: string } | undefined> {
  for (const uid of [...sources].reverse()) {
    const doc = await runsOf(db).findOne({ _id: `${uid}/${run}` });
    if (!doc) continue;
    const out = doc.resultFiles?.find((f) => f.name.endsWith('.out'));
    if (!out) return { doc };
    const chunks: Buffer[] = [];
    const start = Math.max(0, out.size - OUT_TAIL_BYTES);
    for await (const chunk of storedBytes(db, out.gridfsId as ObjectId, start, out.size)) chunks.push(Buffer.from(chunk));
    const text = Buffer.concat(chunks).toString('utf8');
    // A tail cut mid-line starts at the next whole line.
    return { doc, outTail: start > 0 ? text.slice(text.indexOf('\n') + 1) : text };
  }
  return undefined;
}

/** Failed runs grouped by error pattern (summary.ts errorPattern), largest group first, each with its first runs. */
export async function failureGroups(db: Db, uid: string): Promise<FailureGroup[]> {
  const groups = new Map<string, FailureGroup>();
  const cursor = runsOf(db)
    .find({ campaignUid: uid, status: 'failed' }, { projection: { run: 1, status: 1, errorLine: 1, message: 1, reason: 1 } })
    .sort({ run: 1 });
  for await (const doc of cursor) {
    const line = errorLineOf(doc) ?? '(no error line)';
    const pattern = errorPattern(line);
    const group = groups.get(pattern) ?? { pattern, errorLine: line, count: 0, runs: [] };
    group.count += 1;
    if (group.runs.length < RUNS_PER_GROUP) group.runs.push(doc.run);
    groups.set(pattern, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || (a.runs[0] ?? 0) - (b.runs[0] ?? 0)).slice(0, MAX_GROUPS);
}

/** Runs finished per minute, from the first finished run to the last. */
export async function throughput(db: Db, uid: string): Promise<Throughput> {
  const perMinute = new Map<number, number>();
  const cursor = runsOf(db)
    .find({ campaignUid: uid, finishedAt: { $exists: true } }, { projection: { finishedAt: 1 } })
    .sort({ finishedAt: 1 });
  for await (const doc of cursor) {
    if (!doc.finishedAt) continue;
    const minute = Math.floor(new Date(doc.finishedAt).getTime() / 60_000) * 60_000;
    perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
  }
  const minutes = [...perMinute.keys()].sort((a, b) => a - b);
  const points: Throughput['points'] = [];
  // Minutes without a finished run are zeros, so the chart's time axis is even.
  for (let m = minutes[0] ?? 0; minutes.length > 0 && m <= (minutes[minutes.length - 1] ?? 0); m += 60_000) {
    points.push({ minute: new Date(m).toISOString(), runs: perMinute.get(m) ?? 0 });
  }
  return { points };
}

/** Stored runs per status, for a deleted campaign's summary. */
export async function storedCounts(db: Db, uid: string): Promise<{ succeeded: number; failed: number }> {
  const [succeeded, failed] = await Promise.all([
    runsOf(db).countDocuments({ campaignUid: uid, status: 'succeeded' }),
    runsOf(db).countDocuments({ campaignUid: uid, status: 'failed' }),
  ]);
  return { succeeded, failed };
}

/** The scalars (module and name) and iteration variables a campaign's stored scalars have. */
export async function plotChoices(db: Db, sources: readonly string[]): Promise<PlotChoices> {
  const scalars = new Map<string, { module: string; name: string }>();
  const itervars = new Set<string>();
  const uid = sources[sources.length - 1] ?? '';
  const firstRun = await scalarsOf(db).findOne({ campaignUid: uid }, { sort: { run: 1 } });
  if (!firstRun) return { scalars: [], itervars: [] };
  for (const k of Object.keys(firstRun.iterationVars)) itervars.add(k);
  // Every run records the same scalars in practice: the first run's are the choices (its winner's, when it ran twice).
  const winner = (await runsOf(db).findOne({ _id: `${uid}/${firstRun.run}` }, { projection: { winnerToken: 1 } }))?.winnerToken ?? firstRun.token;
  for await (const doc of scalarsOf(db).find({ campaignUid: uid, run: firstRun.run }, { projection: { module: 1, name: 1, token: 1 } })) {
    if (fromWinner(doc.token, winner)) scalars.set(`${doc.module}\u0000${doc.name}`, { module: doc.module, name: doc.name });
  }
  return { scalars: [...scalars.values()], itervars: [...itervars].sort() };
}

/** One scalar of every stored run against one iteration variable (the newest source's value of a run wins). */
export async function scalarPlot(db: Db, sources: readonly string[], module: string, name: string, itervar: string): Promise<ScalarPlot> {
  const byRun = new Map<number, ScalarPlot['points'][number]>();
  for (const uid of sources) {
    // A run's value is its winning attempt's: another attempt's scalars may still be stored.
    const winners = new Map<number, string | undefined>();
    for await (const r of runsOf(db).find({ campaignUid: uid, status: 'succeeded' }, { projection: { run: 1, winnerToken: 1 } })) winners.set(r.run, r.winnerToken);
    for await (const doc of scalarsOf(db).find({ campaignUid: uid, name, module }, { projection: { run: 1, token: 1, value: 1, iterationVars: 1 } })) {
      if (winners.has(doc.run) && fromWinner(doc.token, winners.get(doc.run))) byRun.set(doc.run, { x: doc.iterationVars[itervar] ?? '', value: doc.value, run: doc.run });
    }
  }
  return { module, name, itervar, points: [...byRun.values()].sort((a, b) => a.run - b.run) };
}
