// The CSV-R scalar export from the result store on the MongoDB-wire server:
// real OMNeT++ .sca files stored through the runner's own success path
// (pods/runner/results.ts storeResults), exported by exportCsvR, loaded with
// Python's csv module, give the rows of the real `opp_scavetool export -F
// CSV-R` (minus param rows, which the store does not keep; header runs in
// run-number order, test/support/csv-r-expected.ts). No pods: the store only.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { MongoClient, type Db } from 'mongodb';
import { pino } from 'pino';
import { beginAttempt } from '../../lib/store/attempts.ts';
import { CSV_R_COLUMNS } from '../../lib/store/csv-r.ts';
import { exportCsvR } from '../../lib/store/scalars-export.ts';
import type { ResultFilter } from '../../lib/store/patterns.ts';
import { ensureIndexes } from '../../lib/store/store.ts';
import type { RunnerContext } from '../../pods/runner/deps.ts';
import { storeResults } from '../../pods/runner/results.ts';
import { expectedLines, fixture, SCA_FILES } from '../support/csv-r-expected.ts';
import { useStack } from '../stack/env.ts';

const exec = promisify(execFile);

let client: MongoClient;
let db: Db;
let dir: string;

before(async () => {
  const stack = await useStack();
  client = new MongoClient(stack.mongo.uri);
  await client.connect();
  db = client.db(`runner_csv_r_${randomBytes(4).toString('hex')}`);
  await ensureIndexes(db);
  dir = await mkdtemp(join(tmpdir(), 'runner-csv-r-'));
});
after(async () => {
  await db?.dropDatabase().catch(() => undefined);
  await client?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A run of a campaign succeeding with one real .sca file, stored as the runner stores a success. */
async function succeed(uid: string, run: number, sca: string, attempt = 1): Promise<{ won: boolean }> {
  // storeResults reads only the result settings, the logger and the database of its context.
  const ctx = { config: { results: { include: ['*.sca'], storeScalars: true } }, log: pino({ level: 'silent' }), db } as unknown as RunnerContext;
  const resultDir = join(dir, `${uid}-${run}-${attempt}`);
  await mkdir(resultDir, { recursive: true });
  await writeFile(join(resultDir, sca), fixture(sca));
  const begun = await beginAttempt(db, uid, run, `pod-${attempt}`, 3);
  const token = begun.state === 'run' ? begun.token : 'not begun';
  const result = { campaignUid: uid, run, attempt, token, runnerPod: `pod-${attempt}`, reason: 'Succeeded' as const, exitCode: 0, signal: null, elapsedMs: 5 };
  return storeResults(ctx, result, resultDir);
}

async function exported(sources: string[], filter: ResultFilter = {}): Promise<string> {
  let text = '';
  for await (const chunk of exportCsvR(db, sources, filter)) text += chunk;
  return text;
}

/** What Python's csv module reads from a CSV text: the rows, and DictReader's column names and scalar values. */
async function pythonReads(text: string): Promise<{ rows: string[][]; fieldnames: string[]; values: number[] }> {
  const file = join(dir, `${randomBytes(4).toString('hex')}.csv`);
  await writeFile(file, text);
  const script = [
    'import csv, json, sys',
    'rows = list(csv.reader(open(sys.argv[1], newline="")))',
    'd = csv.DictReader(open(sys.argv[1], newline=""))',
    'values = [float(r["value"]) for r in d if r["type"] == "scalar"]',
    'print(json.dumps({"rows": rows, "fieldnames": d.fieldnames, "values": values}))',
  ].join('\n');
  const { stdout } = await exec('python3', ['-c', script, file]);
  return JSON.parse(stdout) as { rows: string[][]; fieldnames: string[]; values: number[] };
}

/** The real export's rows the store's export must give, as Python's csv module reads them. */
async function expectedRows(name: string): Promise<string[][]> {
  return (await pythonReads(`${expectedLines(fixture(name)).join('\n')}\n`)).rows;
}

describe('CSV-R export from the store', () => {
  before(async () => {
    // Run numbers as the files record them (runnumber 0 and 3).
    assert.deepEqual(await succeed('a', 0, SCA_FILES[0]!), { won: true });
    assert.deepEqual(await succeed('a', 3, SCA_FILES[1]!), { won: true });
  });

  it('gives the rows of the real export, params left out', async () => {
    const ours = await pythonReads(await exported(['a']));
    assert.deepEqual(ours.rows, await expectedRows('both.csv'));
    assert.equal(ours.rows.length, 126);
  });

  it('has the columns a DictReader (as pandas reads them) sees, with numeric scalar values', async () => {
    const ours = await pythonReads(await exported(['a']));
    assert.deepEqual(ours.fieldnames, [...CSV_R_COLUMNS]);
    assert.equal(ours.values.length, 14);
    assert.ok(ours.values.includes(0.224040175766), 'collisionLength:mean of PureAloha1');
  });

  it('filters by module and name patterns as the real filtered export', async () => {
    const expected = await expectedRows('filtered.csv');
    assert.deepEqual((await pythonReads(await exported(['a'], { module: 'Aloha.server', name: 'collision*' }))).rows, expected);
    assert.deepEqual((await pythonReads(await exported(['a'], { module: '**.server', name: 'collision*' }))).rows, expected);
  });

  it('writes only the columns of a filter that matches nothing', async () =>
    assert.equal(await exported(['a'], { name: 'nothing*' }), 'run,type,module,name,attrname,attrvalue\n'));

  it('stores a duplicate success once: the export is unchanged', async () => {
    assert.deepEqual(await succeed('a', 0, SCA_FILES[0]!, 2), { won: false });
    assert.deepEqual((await pythonReads(await exported(['a']))).rows, await expectedRows('both.csv'));
  });

  it("takes each run from the latest campaign that succeeded it when a rerun completes another", async () => {
    // The old campaign's run 3 holds a different result; the rerun's run 3 wins.
    await succeed('old', 0, SCA_FILES[0]!);
    await succeed('old', 3, SCA_FILES[0]!);
    await succeed('rerun', 3, SCA_FILES[1]!);
    assert.deepEqual((await pythonReads(await exported(['old', 'rerun']))).rows, await expectedRows('both.csv'));
  });
});
