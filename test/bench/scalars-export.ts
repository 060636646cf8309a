// Scalars export benchmark: the CSV-R export (lib/store/scalars-export.ts) of
// a 100,000-run campaign from the stack's MongoDB-wire server. Each run is the
// real PureAloha1 run of test/fixtures/opp_scavetool/ (its header: 16 run
// attributes and 14 config lines; its scalars with their attributes, padded to
// --scalars per run; optionally its histograms), stored with the store's own
// document builders. Measured: the export's throughput in MB/s of CSV and the
// process's peak RSS while exporting, beside a plain read of the same
// documents (three unsorted cursors, no formatting) as the baseline.
//
//   npx tsx test/bench/scalars-export.ts [--runs 100000] [--scalars 10] [--histograms 0]
//
// Uses the stack named by INETSWARM_STACK, or starts a private one.
import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { runHeaderOf, statisticRecordOf } from '../../lib/store/csv-r.ts';
import { insertIgnoringDuplicates } from '../../lib/store/duplicates.ts';
import { parseSca, scalarRows, type ScalarRow } from '../../lib/store/sca.ts';
import { exportCsvR } from '../../lib/store/scalars-export.ts';
import { scalarDocs, scaRunDocs, statisticDocs, type RunScalars } from '../../lib/store/scalars.ts';
import { ensureIndexes, runsOf, scalarsOf, scaRunsOf, statisticsOf, type RunDoc } from '../../lib/store/store.ts';
import { useStack } from '../stack/env.ts';
import { fixture, SCA_FILES } from '../support/csv-r-expected.ts';
import { machineLine, parseFlags, runBenchmark } from './setup.ts';
import { formatTable } from './stats.ts';

const flags = parseFlags(process.argv.slice(2), { runs: 100_000, scalars: 10, histograms: 0 });
const say = (line: string) => process.stderr.write(`[scalars-export] ${line}\n`);
const UID = 'bench-campaign';
const FILE = 'General-#0.sca';

/** What every run stores: the real run's header, scalars (padded to `--scalars`) and histograms. */
function template(): { header: ReturnType<typeof runHeaderOf>; rows: ScalarRow[]; statistics: ReturnType<typeof statisticRecordOf>[] } {
  const run = parseSca(fixture(SCA_FILES[0]!)).runs[0]!;
  const real = scalarRows(run).filter((r) => r.kind === 'scalar');
  const rows = Array.from({ length: flags.scalars }, (_, i) => {
    const r = real[i % real.length]!;
    return i < real.length ? r : { ...r, module: `${r.module}${Math.floor(i / real.length)}` };
  });
  const statistics = Array.from({ length: flags.histograms }, (_, i) => statisticRecordOf(run.statistics[i % run.statistics.length]!));
  return { header: runHeaderOf(run), rows, statistics };
}

async function fill(db: Db): Promise<number> {
  const t = template();
  const started = Date.now();
  const now = new Date();
  for (let from = 0; from < flags.runs; from += 1000) {
    const batch: RunScalars[] = [];
    const runs: RunDoc[] = [];
    for (let run = from; run < Math.min(flags.runs, from + 1000); run++) {
      const runId = `General-${run}-20261201-15:06:06-${1000 + run}`;
      const token = `t${run}`;
      batch.push({ campaignUid: UID, run, token, iterationVars: {}, scalars: [{ file: FILE, rows: t.rows, header: { ...t.header, runId }, statistics: t.statistics }] });
      runs.push({ _id: `${UID}/${run}`, campaignUid: UID, run, status: 'succeeded', attempts: 1, winnerToken: token, updatedAt: now });
    }
    await Promise.all([
      insertIgnoringDuplicates(scalarsOf(db), batch.flatMap(scalarDocs)),
      insertIgnoringDuplicates(scaRunsOf(db), batch.flatMap(scaRunDocs)),
      insertIgnoringDuplicates(statisticsOf(db), batch.flatMap(statisticDocs)),
      insertIgnoringDuplicates(runsOf(db), runs),
    ]);
    if ((from / 1000) % 10 === 9) say(`stored ${from + 1000} runs`);
  }
  return Date.now() - started;
}

/** Peak RSS (MB) while `work` runs, sampled every 100 ms. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakMb: number; ms: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const started = Date.now();
  try {
    const value = await work();
    return { value, peakMb: Math.max(peak, process.memoryUsage().rss) / 1e6, ms: Date.now() - started };
  } finally {
    clearInterval(timer);
  }
}

async function exportBytes(db: Db): Promise<{ bytes: number; lines: number }> {
  let bytes = 0;
  let lines = 0;
  for await (const chunk of exportCsvR(db, [UID])) {
    bytes += Buffer.byteLength(chunk);
    for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) lines++;
  }
  return { bytes, lines };
}

async function plainRead(db: Db): Promise<number> {
  let docs = 0;
  for (const coll of [scaRunsOf(db), scalarsOf(db), statisticsOf(db)]) {
    for await (const d of coll.find({ campaignUid: UID }, { batchSize: 2000 })) if (d) docs++;
  }
  return docs;
}

async function main(): Promise<void> {
  const stack = await useStack();
  const client = new MongoClient(stack.mongo.uri);
  await client.connect();
  const db = client.db(`bench_scalars_export_${randomBytes(4).toString('hex')}`);
  try {
    await ensureIndexes(db);
    say(`storing ${flags.runs} runs x ${flags.scalars} scalars, ${flags.histograms} histograms`);
    const fillMs = await fill(db);
    say('exporting');
    const baseRss = process.memoryUsage().rss / 1e6;
    const out = await withPeakRss(() => exportBytes(db));
    const plain = await withPeakRss(() => plainRead(db));
    const mb = out.value.bytes / 1e6;
    const rows = [
      ['runs x scalars (histograms)', `${flags.runs} x ${flags.scalars} (${flags.histograms})`, ''],
      ['store time (bench helper, insertMany)', `${(fillMs / 1000).toFixed(1)} s`, ''],
      ['CSV written', `${mb.toFixed(1)} MB, ${out.value.lines} lines`, ''],
      ['export time', `${(out.ms / 1000).toFixed(1)} s`, ''],
      ['export throughput', `${(mb / (out.ms / 1000)).toFixed(2)} MB/s`, ''],
      ['plain read of the same documents (baseline)', `${(plain.ms / 1000).toFixed(1)} s, ${plain.value} docs`, `export/plain ${(out.ms / plain.ms).toFixed(2)}x`],
      ['RSS before export / peak while exporting', `${baseRss.toFixed(0)} / ${out.peakMb.toFixed(0)} MB`, ''],
    ];
    process.stdout.write(`${machineLine()}\n${formatTable(['measure', 'value', 'note'], rows)}\n`);
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
}

runBenchmark('scalars-export', main);
