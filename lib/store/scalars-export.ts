// The scalar export as `opp_scavetool export -F CSV-R` writes it, read from
// the result store (never from result files) and streamed: every section is
// one cursor per source campaign in run order, so memory holds one run's rows
// at a time (plus each run's number and run id: about 15 MB at 100,000 runs).
// csv-r.ts formats the rows.
//
// Sections, as the tool orders them: the header rows of every exported run,
// then all scalars, then all statistics and histograms, in only the columns
// those rows use (a first read finds which: csv-r.ts CsvRLayout); runs in run-number
// order within each (the tool orders its header rows by its own run list, so
// across runs it may differ; within a run it is the same). `param` rows are
// absent: the store keeps no `par` lines (scalars.ts). With a filter, as with
// the tool's, a run's header rows are written only when one of its results
// matches; without one, every succeeded run's are. Runs whose .sca headers
// were stored before headers were (no `scaRuns` document) are left out. Of a
// run's documents only those of its winning attempt are read (the token the
// run document names): a losing attempt's, not yet swept, never mix in.
import type { Collection, Db, Document, FindCursor } from 'mongodb';
import { csvRHeader, CsvRWriter, isHistogram, runHeaderRows, scalarRowsCsv, statisticRowsCsv, type CsvRLayout } from './csv-r.ts';
import { resultMatcher, type ResultFilter } from './patterns.ts';
import { fromWinner } from './pure/winner.ts';
import { pickRunSources } from './sources.ts';
import { runsOf, scalarsOf, scaRunsOf, statisticsOf, type ScalarDoc, type StatisticDoc } from './store.ts';

/** How many documents a cursor fetches per round trip. */
const BATCH = 2000;
/** The size a chunk of CSV text grows to before it is handed on. */
const CHUNK = 64 * 1024;

type Keyed = { _id: string; run: number; file: string };

/**
 * One run-ordered cursor, read run by run: `take(run)` returns that run's
 * documents, skipping those of smaller runs (runs another source provides).
 * Runs must be asked for in increasing order.
 */
class RunGroups<T extends { run: number }> {
  private pending: T | undefined;
  private done = false;

  constructor(private readonly cursor: FindCursor<T>) {}

  async take(run: number): Promise<T[]> {
    const out: T[] = [];
    for (;;) {
      if (this.pending === undefined) {
        if (this.done) return out;
        const next = await this.cursor.next();
        if (next === null) {
          this.done = true;
          return out;
        }
        this.pending = next;
      }
      if (this.pending.run > run) return out;
      if (this.pending.run === run) out.push(this.pending);
      this.pending = undefined;
    }
  }

  close(): Promise<void> {
    return this.cursor.close();
  }
}

/** The token of each exported run's winning attempt, keyed `<uid>/<run>`. */
type Winners = ReadonlyMap<string, string | undefined>;

/** One RunGroups per source campaign over the same query; `take(uid, run)` reads one run's documents of its winner. */
class PerSource<T extends { run: number; token?: string }> {
  private readonly groups = new Map<string, RunGroups<T>>();

  constructor(sources: readonly string[], private readonly winners: Winners, open: (uid: string) => FindCursor<T>) {
    for (const uid of sources) this.groups.set(uid, new RunGroups(open(uid)));
  }

  async take(uid: string, run: number): Promise<T[]> {
    const docs = (await this.groups.get(uid)?.take(run)) ?? [];
    const winner = this.winners.get(`${uid}/${run}`);
    return docs.filter((d) => fromWinner(d.token, winner));
  }

  async close(): Promise<void> {
    await Promise.all([...this.groups.values()].map((g) => g.close()));
  }
}

function runOrdered<T extends Document>(coll: Collection<T>, uid: string, extra: Document = {}, projection?: Document): FindCursor<T> {
  const cursor = coll.find({ campaignUid: uid, ...extra } as never, { batchSize: BATCH, ...(projection ? { projection } : {}) }).sort({ run: 1 });
  return cursor as unknown as FindCursor<T>;
}

/** A run's documents in file order, then in their order in the file (the index `_id` ends with). */
function inFileOrder<T extends Keyed>(docs: T[]): T[] {
  const index = (id: string): number => Number(id.slice(id.lastIndexOf('/') + 1));
  return docs.sort((a, b) => (a.file === b.file ? index(a._id) - index(b._id) : a.file < b.file ? -1 : 1));
}

/** The succeeded runs of the sources, in run order, each with the source that provides it (the latest wins), and their winners' tokens. */
async function chosenRuns(db: Db, sources: readonly string[]): Promise<{ runs: Array<[number, string]>; winners: Winners }> {
  const perSource: Array<{ uid: string; succeeded: number[] }> = [];
  const winners = new Map<string, string | undefined>();
  for (const uid of sources) {
    const succeeded: number[] = [];
    const cursor = runsOf(db).find({ campaignUid: uid, status: 'succeeded' }, { projection: { _id: 0, run: 1, winnerToken: 1 }, batchSize: 10_000 });
    for await (const d of cursor) {
      succeeded.push(d.run);
      winners.set(`${uid}/${d.run}`, d.winnerToken);
    }
    perSource.push({ uid, succeeded });
  }
  return { runs: [...pickRunSources(perSource)].sort((a, b) => a[0] - b[0]), winners };
}

interface ExportContext {
  db: Db;
  sources: readonly string[];
  runs: Array<[number, string]>;
  winners: Winners;
  filter: ResultFilter;
  matches: (module: string, name: string) => boolean;
  writer: CsvRWriter;
  /**
   * The run id of each exported run's file (`<run>/<file>`), filled by the
   * header section for the result sections: a few tens of bytes per run
   * spare them a second read of every header, the export's largest documents.
   */
  runIds: Map<string, string>;
}

/**
 * Whether a collection holds an exported result (of a run its source
 * provides, matching the filter) that passes `stop`: read in natural order,
 * stopping at the first, so that it costs a full read only when none does.
 */
async function anyResult<T extends { run: number; token?: string; module: string; name: string }>(
  c: Omit<ExportContext, 'writer' | 'runIds'>,
  coll: Collection<T>,
  extra: Document,
  stop: (doc: T) => boolean,
): Promise<boolean> {
  const chosen = new Map(c.runs);
  for (const uid of c.sources) {
    const cursor = coll.find({ campaignUid: uid, ...extra } as never, { batchSize: BATCH, projection: { _id: 0, run: 1, token: 1, module: 1, name: 1, binLowers: 1 } });
    try {
      for await (const d of cursor) {
        const exported = chosen.get(d.run) === uid && fromWinner(d.token, c.winners.get(`${uid}/${d.run}`));
        if (exported && c.matches(d.module, d.name) && stop(d as unknown as T)) return true;
      }
    } finally {
      await cursor.close();
    }
  }
  return false;
}

/** The column groups of the export: those its rows use, as the tool writes them. */
async function layoutOf(c: Omit<ExportContext, 'writer' | 'runIds'>): Promise<CsvRLayout> {
  const value = await anyResult(c, scalarsOf(c.db), { kind: 'scalar' }, () => true);
  let statistics = false;
  const histograms = await anyResult(c, statisticsOf(c.db), {}, (d) => {
    statistics = true;
    return isHistogram(d);
  });
  return { value, statistics, histograms };
}

const filtered = (filter: ResultFilter): boolean => Boolean(filter.module || filter.name);

/** The header rows of every exported run; with a filter, of the files that have a matching result. */
async function* headerSection(c: ExportContext): AsyncGenerator<string> {
  const headers = new PerSource(c.sources, c.winners, (uid) => runOrdered(scaRunsOf(c.db), uid));
  const probe = { _id: 1, run: 1, token: 1, file: 1, module: 1, name: 1 };
  const light = filtered(c.filter)
    ? [
        new PerSource(c.sources, c.winners, (uid) => runOrdered(scalarsOf(c.db), uid, { kind: 'scalar' }, probe)),
        new PerSource(c.sources, c.winners, (uid) => runOrdered(statisticsOf(c.db), uid, {}, probe)),
      ]
    : [];
  try {
    for (const [run, uid] of c.runs) {
      const docs = (await headers.take(uid, run)).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
      let files: Set<string> | undefined;
      if (light.length > 0) {
        const results = (await Promise.all(light.map((l) => l.take(uid, run)))).flat();
        files = new Set(results.filter((r) => c.matches(r.module, r.name)).map((r) => r.file));
      }
      // The tool merges the files of one run id into one run: one header.
      const written = new Set<string>();
      for (const d of docs) {
        c.runIds.set(`${run}/${d.file}`, d.runId);
        if ((files && !files.has(d.file)) || written.has(d.runId)) continue;
        written.add(d.runId);
        yield runHeaderRows(d, c.writer);
      }
    }
  } finally {
    await Promise.all([headers, ...light].map((s) => s.close()));
  }
}

/** The rows of one kind of result (scalars, or statistics), run by run, each under its file's run id. */
async function* resultSection<T extends Keyed & { module: string; name: string }>(
  c: ExportContext,
  open: (uid: string) => FindCursor<T>,
  rowsOf: (runId: string, doc: T, w: CsvRWriter) => string,
): AsyncGenerator<string> {
  const results = new PerSource(c.sources, c.winners, open);
  try {
    for (const [run, uid] of c.runs) {
      const docs = inFileOrder((await results.take(uid, run)).filter((d) => c.matches(d.module, d.name)));
      let text = '';
      for (const d of docs) {
        const id = c.runIds.get(`${run}/${d.file}`);
        if (id !== undefined) text += rowsOf(id, d, c.writer);
      }
      if (text) yield text;
    }
  } finally {
    await results.close();
  }
}

/** Joins small pieces of text into chunks of about CHUNK characters. */
async function* chunked(pieces: AsyncIterable<string>): AsyncGenerator<string> {
  let buffer = '';
  for await (const piece of pieces) {
    buffer += piece;
    if (buffer.length >= CHUNK) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer) yield buffer;
}

async function* sections(c: ExportContext): AsyncGenerator<string> {
  yield csvRHeader(c.writer.layout);
  yield* headerSection(c);
  if (c.writer.layout.value) yield* resultSection<ScalarDoc>(c, (uid) => runOrdered(scalarsOf(c.db), uid, { kind: 'scalar' }), scalarRowsCsv);
  if (c.writer.layout.statistics) yield* resultSection<StatisticDoc>(c, (uid) => runOrdered(statisticsOf(c.db), uid), statisticRowsCsv);
}

/**
 * The CSV-R export of the campaigns `sources` (uids, oldest first; the latest
 * success of a run wins), optionally filtered by module and name patterns
 * (patterns.ts), as chunks of CSV text.
 */
export async function* exportCsvR(db: Db, sources: string[], filter: ResultFilter = {}): AsyncIterable<string> {
  const { runs, winners } = await chosenRuns(db, sources);
  const c = { db, sources, runs, winners, filter, matches: resultMatcher(filter) };
  yield* chunked(sections({ ...c, writer: new CsvRWriter(await layoutOf(c)), runIds: new Map() }));
}
