// What a run leaves in its result folder cannot exhaust or block the runner
// (pods/runner/results.ts): a .sca of over 600 MB (written on the fly, deleted
// after) is stored as a stream, its scalars in parts, with the storing
// process's peak memory (VmHWM, in a child process) far below the file's
// size; a FIFO and a symbolic link to /dev/zero are skipped with a warning and
// the run succeeds; a folder past the run's file count or total size fails
// the run as ResultsTooLarge, not retried. Against the stack's MongoDB-wire server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { MongoClient, type Db } from 'mongodb';
import { pino } from 'pino';
import { concludeAttempt } from '../../lib/engine/attempt.ts';
import type { RunOutcome } from '../../lib/engine/simulate.ts';
import { ensureIndexes, RUN_WINNERS, scalarsOf, statisticsOf } from '../../lib/store/store.ts';
import type { RunnerContext } from '../../pods/runner/deps.ts';
import { storeResults } from '../../pods/runner/results.ts';
import { useStack } from '../stack/env.ts';
import type { StackInfo } from '../stack/types.ts';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'support', 'store-results-child.ts');
const C = 'bounded-campaign';
const results = { include: ['*.sca'], storeScalars: true };

let stack: StackInfo;
let client: MongoClient;
let db: Db;
let database: string;
let dir: string;

before(async () => {
  stack = await useStack();
  client = new MongoClient(stack.mongo.uri);
  await client.connect();
  database = `bounded_${randomBytes(4).toString('hex')}`;
  db = client.db(database);
  await ensureIndexes(db);
  dir = await mkdtemp(join(tmpdir(), 'runner-results-bounded-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await db?.dropDatabase().catch(() => undefined);
  await client?.close();
});

const HEADER = 'version 3\nrun General-0-20260101-00:00:00-1000\nattr configname General\nattr repetition 0\nattr seedset 0\nitervar x 1\nconfig network Net\n\n';
const sca = (scalars: number) => HEADER + Array.from({ length: scalars }, (_, i) => `scalar Net.host[${i}] packetsSent ${i}\n`).join('');

/** A run's result folder with the given files. */
async function folder(tag: string, files: Record<string, string>): Promise<string> {
  const at = join(dir, tag);
  await mkdir(at, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(at, name), text);
  return at;
}

/** The runner's context around the test's store, its warnings collected. */
function context(limits: { maxFiles?: number; maxBytes?: number } = {}): { ctx: RunnerContext; warnings: Array<Record<string, unknown>> } {
  const warnings: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) warnings.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const ctx = { db, config: { results: { ...results, ...limits } }, log: pino({ level: 'warn' }, sink) } as unknown as RunnerContext;
  return { ctx, warnings };
}

const attempt = (run: number) => ({ campaignUid: C, run, runnerPod: 'test', attempt: 1, token: `token-${run}`, history: [], reason: 'Succeeded' as const, exitCode: 0, signal: null, elapsedMs: 1 });
const succeeded: RunOutcome = { kind: 'succeeded', exitCode: 0, signal: null, elapsedMs: 1, outputTail: '' };

/** Writes a .sca of more than `bytes`: mostly `par` lines (INET records thousands), `scalars` scalar lines and `bad` malformed lines among them. */
async function writeHugeSca(path: string, bytes: number, scalars: number, bad: number): Promise<void> {
  const out = createWriteStream(path);
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve())));
  await write(HEADER);
  const par = 'par Net.host[0].app[0] sendInterval "exponential(0.1s) a parameter with a long value, as INET models have"\n'.repeat(10_000);
  const blocks = Math.ceil(bytes / par.length);
  for (let b = 0; b < blocks; b++) {
    let extra = '';
    for (let i = Math.floor((b * scalars) / blocks); i < Math.floor(((b + 1) * scalars) / blocks); i++) extra += `scalar Net.host[${i}] throughput ${i}\nattr unit bps\n`;
    for (let i = Math.floor((b * bad) / blocks); i < Math.floor(((b + 1) * bad) / blocks); i++) extra += `scalar Net.host[${i}] broken not-a-number\n`;
    await write(par + extra);
  }
  await write('statistic Net.oppsim delay:histogram\nfield count 3\nfield mean 0.5\nbin -inf 0\nbin 0 3\n');
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

describe('a .sca of over 600 MB', () => {
  it('is stored as a stream, its scalars in parts, the runner\'s peak memory far below its size', async () => {
    const resultDir = await folder('huge', {});
    const file = join(resultDir, 'General-#0.sca');
    const size = 620 * 2 ** 20;
    try {
      await writeHugeSca(file, size, 20_000, 300);
      // The .sca itself is not stored as a file here: only its scalars (GridFS is not what is measured).
      const args = { database, campaignUid: C, run: 0, resultDir, results: { include: ['*.vec'], storeScalars: true } };
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(args)], {
        env: { ...process.env, INETSWARM_TEST_MONGO_URI: stack.mongo.uri },
        maxBuffer: 2 ** 20,
      });
      const { won, baseline, peak } = JSON.parse(stdout) as { won: boolean; baseline: number; peak: number };
      const growth = peak - baseline;
      console.log(`stored a ${(size / 2 ** 20).toFixed(0)} MiB .sca; peak RSS ${(peak / 2 ** 20).toFixed(1)} MiB, growth ${(growth / 2 ** 20).toFixed(1)} MiB`);
      assert.equal(won, true);
      assert.equal(await scalarsOf(db).countDocuments({ campaignUid: C, run: 0, kind: 'scalar' }), 20_000, 'every scalar, stored in parts');
      assert.equal(await scalarsOf(db).countDocuments({ campaignUid: C, run: 0, kind: 'statistic' }), 2, 'and the statistic\'s fields');
      assert.equal(await statisticsOf(db).countDocuments({ campaignUid: C, run: 0 }), 1);
      const last = await scalarsOf(db).findOne({ campaignUid: C, run: 0, name: 'throughput', module: 'Net.host[19999]' });
      assert.deepEqual(last?.attrs, ['unit', 'bps'], 'a scalar\'s attr line after a part boundary still reaches it');
      // A chunk of the file, a part of rows, the header and the garbage collector's slack; never the file.
      assert.ok(growth < 150 * 2 ** 20, `peak RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB`);
    } finally {
      await rm(file, { force: true });
    }
  });
});

describe('entries that are not regular files', () => {
  it('skips a FIFO and a symbolic link to /dev/zero with a warning, and the run succeeds', async () => {
    const resultDir = await folder('special', { 'General-#0.sca': sca(3) });
    await promisify(execFile)('mkfifo', [join(resultDir, 'pipe.sca')]);
    await symlink('/dev/zero', join(resultDir, 'zero.sca'));
    await mkdir(join(resultDir, 'sub'));
    await symlink('/dev/zero', join(resultDir, 'sub', 'deep.vec'));
    const { ctx, warnings } = context();
    const settlement = await concludeAttempt(succeeded, 1, { maxAttempts: 3, retrySimulationErrors: false }, async () => void (await storeResults(ctx, attempt(1), resultDir)));
    assert.equal(settlement.reason, 'Succeeded');
    assert.ok(await db.collection(RUN_WINNERS).findOne({ _id: `${C}/1` as never }), 'the run was stored');
    assert.equal(await scalarsOf(db).countDocuments({ campaignUid: C, run: 1 }), 3, 'with the scalars of its one regular .sca');
    const skipped = warnings.find((w) => w.msg === 'Skipped result entries that are not regular files');
    assert.ok(skipped, `a warning: ${JSON.stringify(warnings)}`);
    assert.deepEqual([...(skipped.entries as string[])].sort(), ['pipe.sca (FIFO)', 'sub/deep.vec (symbolic link)', 'zero.sca (symbolic link)']);
    assert.equal(skipped.count, 3);
  });
});

describe('per-run limits', () => {
  const policy = { maxAttempts: 3, retrySimulationErrors: true };
  it('fails a run that leaves more files than maxFiles as ResultsTooLarge, on its first attempt', async () => {
    const resultDir = await folder('many', Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`f${i}.out`, 'x'])));
    const { ctx } = context({ maxFiles: 4 });
    const s = await concludeAttempt(succeeded, 1, policy, async () => void (await storeResults(ctx, attempt(2), resultDir)));
    assert.deepEqual({ action: s.action, runStatus: s.runStatus, reason: s.reason }, { action: 'term', runStatus: 'failed', reason: 'ResultsTooLarge' });
    assert.match(s.message, /more than 4 files .*spec\.results\.maxFiles/);
    assert.equal(await db.collection(RUN_WINNERS).countDocuments({ _id: `${C}/2` as never }), 0, 'nothing of it was stored');
  });

  it('fails a run whose files hold more than maxBytes as ResultsTooLarge, on its first attempt', async () => {
    const resultDir = await folder('big', { 'General-#0.sca': sca(100) });
    const { ctx } = context({ maxBytes: 1000 });
    const s = await concludeAttempt(succeeded, 1, policy, async () => void (await storeResults(ctx, attempt(3), resultDir)));
    assert.deepEqual({ action: s.action, runStatus: s.runStatus, reason: s.reason }, { action: 'term', runStatus: 'failed', reason: 'ResultsTooLarge' });
    assert.match(s.message, /spec\.results\.maxSize/);
    assert.equal(await scalarsOf(db).countDocuments({ campaignUid: C, run: 3 }), 0, 'nothing of it was stored');
  });
});
