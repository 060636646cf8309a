// The result store on the MongoDB-wire server: attempts are counted, the
// first success wins and a late duplicate changes nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GridFSBucket, MongoClient, type Db, type ObjectId } from 'mongodb';
import { CHUNK_SIZE, storeFiles } from '../../lib/store/gridfs.ts';
import type { ScalarRow } from '../../lib/store/sca.ts';
import { beginAttempt, recordFailure, recordRetry, type AttemptResult } from '../../lib/store/attempts.ts';
import { recordPlan } from '../../lib/store/campaigns.ts';
import { sweepResultFiles, uploadResultFiles, type LocalResultFile } from '../../lib/store/result-files.ts';
import { ensureIndexes, RESULTS_BUCKET, runsOf, scalarsOf } from '../../lib/store/store.ts';
import { recordSuccess } from '../../lib/store/success.ts';
import { readCampaignProgress } from '../../lib/store/progress.ts';
import { useStack } from '../stack/env.ts';

let client: MongoClient;
let db: Db;
let dir: string;

before(async () => {
  const stack = await useStack();
  client = new MongoClient(stack.mongo.uri);
  await client.connect();
  db = client.db(`runner_store_${randomBytes(4).toString('hex')}`);
  await ensureIndexes(db);
  dir = await mkdtemp(join(tmpdir(), 'runner-store-'));
});
after(async () => {
  await db?.dropDatabase().catch(() => undefined);
  await client?.close();
});

async function resultFiles(tag: string): Promise<LocalResultFile[]> {
  const files = ['General-#0.sca', 'General-#0.vec'].map((n) => ({ path: join(dir, `${tag}-${n}`), name: `${tag}-${n}` }));
  for (const f of files) await writeFile(f.path, `content of ${tag}\n`);
  return files;
}

const rows: ScalarRow[] = [
  { module: 'Net.oppsim', name: 'runNumber', value: 0, kind: 'scalar' },
  { module: 'Net.oppsim', name: 'delay:mean', value: 0.5, kind: 'statistic' },
];

function result(uid: string, run: number, attempt: number, extra: Partial<AttemptResult> = {}): AttemptResult {
  return { campaignUid: uid, run, attempt, runnerPod: `pod-${attempt}`, reason: 'Succeeded', exitCode: 0, signal: null, elapsedMs: 10 * attempt, ...extra };
}

describe('result store', () => {
  it("records the run's local command line and identity with the attempt's start, and keeps them through a failure", async () => {
    const uid = 'cmd';
    const line = 'cd samples/aloha && ./aloha -u Cmdenv -c A -f omnetpp.ini -r 0';
    await beginAttempt(db, uid, 0, 'pod-1', 3, { command: line, identity: { iterationVars: { numHosts: '10' }, repetition: 1 } });
    assert.equal((await runsOf(db).findOne({ campaignUid: uid, run: 0 }))?.command, line, 'the first attempt inserts it');
    await recordRetry(db, result(uid, 0, 1, { reason: 'SimulationError', exitCode: 1 }), false);
    await beginAttempt(db, uid, 0, 'pod-2', 3, { command: line, identity: { iterationVars: { numHosts: '10' }, repetition: 1 } });
    await recordFailure(db, result(uid, 0, 2, { reason: 'SimulationError', exitCode: 1, outputTail: 'tail' }));
    const doc = await runsOf(db).findOne({ campaignUid: uid, run: 0 });
    assert.deepEqual([doc?.status, doc?.command, doc?.outputTail], ['failed', line, 'tail'], 'a later attempt sets it again');
    assert.deepEqual([doc?.iterationVars, doc?.repetition], [{ numHosts: '10' }, 1], 'a failed run is still known by what it simulates');
  });
  it('lets the first successful attempt win and ignores a late duplicate', async () => {
    const uid = 'dup';
    const a = await beginAttempt(db, uid, 0, 'pod-1', 3);
    const b = await beginAttempt(db, uid, 0, 'pod-2', 3);
    assert.deepEqual([a.state, b.state], ['run', 'run']);
    assert.deepEqual([a.state === 'run' && a.attempt, b.state === 'run' && b.attempt], [1, 2]);
    const first = await recordSuccess(db, { ...result(uid, 0, 2), files: await resultFiles('second'), iterationVars: { i: '0' }, scalars: [{ file: 'x.sca', rows }] });
    const late = await recordSuccess(db, { ...result(uid, 0, 1), files: await resultFiles('first'), iterationVars: { i: '0' }, scalars: [{ file: 'x.sca', rows }] });
    assert.deepEqual([first.won, late.won], [true, false]);
    const doc = await runsOf(db).findOne({ campaignUid: uid, run: 0 });
    assert.equal(doc?.runnerPod, 'pod-2');
    assert.equal(doc?.elapsedMs, 20);
    const files = await db.collection(`${RESULTS_BUCKET}.files`).find({ 'metadata.campaignUid': uid }).toArray();
    assert.deepEqual(files.map((f) => f.metadata.attempt), [2, 2], "the loser's files are gone");
    assert.equal(await scalarsOf(db).countDocuments({ campaignUid: uid }), 2, 'scalars stored once');
    assert.deepEqual(await beginAttempt(db, uid, 0, 'pod-3', 3), { state: 'done', status: 'succeeded' });
  });

  it('sweeps result files that no finished run references and keeps those of running runs', async () => {
    const uid = 'sweep';
    await beginAttempt(db, uid, 0, 'p', 3);
    await recordSuccess(db, { ...result(uid, 0, 1), files: await resultFiles('kept'), iterationVars: {}, scalars: [] });
    const [orphan] = await resultFiles('orphan');
    await uploadResultFiles(db, [orphan!], { campaignUid: uid, run: 0, attempt: 5 });
    await beginAttempt(db, uid, 1, 'p', 3);
    await uploadResultFiles(db, [orphan!], { campaignUid: uid, run: 1, attempt: 1 });
    assert.equal(await sweepResultFiles(db, uid), 1);
    assert.equal(await sweepResultFiles(db, uid), 0);
    const left = await db.collection(`${RESULTS_BUCKET}.files`).find({ 'metadata.campaignUid': uid }).toArray();
    assert.deepEqual(left.map((f) => [f.metadata.run, f.metadata.attempt]).sort(), [[0, 1], [0, 1], [1, 1]]);
  });

  it('does not let a failure overwrite a stored success', async () => {
    const uid = 'fail-after-success';
    await beginAttempt(db, uid, 0, 'p', 3);
    await recordSuccess(db, { ...result(uid, 0, 1), files: [], iterationVars: {}, scalars: [] });
    assert.equal(await recordFailure(db, result(uid, 0, 1, { reason: 'Crashed', signal: 'SIGSEGV' })), false);
    assert.equal((await runsOf(db).findOne({ campaignUid: uid }))?.status, 'succeeded');
  });

  it('reports a run exhausted when every allowed attempt started and none finished', async () => {
    const uid = 'lost';
    for (let i = 0; i < 2; i++) assert.equal((await beginAttempt(db, uid, 5, 'p', 2)).state, 'run');
    assert.deepEqual(await beginAttempt(db, uid, 5, 'p', 2), { state: 'exhausted', attempts: 2 });
  });

  it('gives a refunded attempt back and keeps a bounded history', async () => {
    const uid = 'refund';
    await beginAttempt(db, uid, 1, 'p', 3);
    await recordRetry(db, result(uid, 1, 1, { reason: 'Interrupted' }), true);
    const doc = await runsOf(db).findOne({ campaignUid: uid, run: 1 });
    assert.equal(doc?.attempts, 0);
    assert.equal(doc?.status, 'pending');
    assert.deepEqual(doc?.attemptHistory?.map((h) => h.reason), ['Interrupted']);
  });

  it('counts progress by status with pending runs that have no document yet', async () => {
    const uid = 'progress';
    await recordPlan(db, { _id: uid, namespace: 'n', campaign: 'c', total: 5, planMs: 1 });
    await recordPlan(db, { _id: uid, namespace: 'n', campaign: 'c', total: 99, planMs: 1 });
    await beginAttempt(db, uid, 0, 'p', 3);
    await recordSuccess(db, { ...result(uid, 0, 1), files: [], iterationVars: {}, scalars: [] });
    await beginAttempt(db, uid, 1, 'p', 1);
    await recordFailure(db, result(uid, 1, 1, { reason: 'SimulationError', exitCode: 1, errorLine: 'boom' }));
    await beginAttempt(db, uid, 2, 'p', 3);
    const p = await readCampaignProgress(db, uid);
    assert.deepEqual(
      { total: p.total, pending: p.pending, running: p.running, succeeded: p.succeeded, failed: p.failed },
      { total: 5, pending: 2, running: 1, succeeded: 1, failed: 1 },
      'the first plan total stays',
    );
    assert.deepEqual(p.failedRuns, [{ run: 1, exitCode: 1, reason: 'SimulationError', message: 'boom' }]);
  });
});

describe('batched GridFS writes', () => {
  async function download(id: ObjectId): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of new GridFSBucket(db, { bucketName: RESULTS_BUCKET }).openDownloadStream(id)) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  }

  it('stores files of every size so that the driver reads them back byte for byte', async () => {
    const contents = { 'empty.out': Buffer.alloc(0), 'one.sca': Buffer.from('x'), 'three-chunks.vec': randomBytes(CHUNK_SIZE * 2 + 17), 'exact.vci': randomBytes(CHUNK_SIZE) };
    const paths = await Promise.all(Object.entries(contents).map(async ([name, data]) => {
      const path = join(dir, `gridfs-${name}`);
      await writeFile(path, data);
      return path;
    }));
    const meta = { campaignUid: 'gridfs', run: 7, attempt: 1 };
    const refs = await uploadResultFiles(db, paths.map((path) => ({ path, name: path.slice(dir.length + 1) })), meta);
    assert.deepEqual(refs.map((r) => [r.name, r.size]), Object.entries(contents).map(([name, data]) => [`gridfs-${name}`, data.length]));
    for (const [i, data] of Object.values(contents).entries()) assert.ok((await download(refs[i]!.gridfsId)).equals(data), `file ${i} reads back`);
    const files = await db.collection(`${RESULTS_BUCKET}.files`).find({ 'metadata.campaignUid': 'gridfs' }).toArray();
    assert.deepEqual(files.map((f) => f.metadata.fileName).sort(), paths.map((p) => p.slice(dir.length + 1)).sort());
    assert.ok(files.every((f) => f.filename.startsWith('gridfs/7/') && f.chunkSize === CHUNK_SIZE && f.uploadDate instanceof Date));
  });

  it('streams a file above the batch limit through the driver and batches the rest', async () => {
    const small = join(dir, 'batch-small.sca');
    const big = join(dir, 'batch-big.vec');
    await writeFile(small, 'small');
    const bigData = randomBytes(3000);
    await writeFile(big, bigData);
    const stored = await storeFiles(db, RESULTS_BUCKET, [big, small].map((path) => ({ path, filename: path, metadata: { campaignUid: 'gridfs-big' } })), { batchBytes: 1000 });
    assert.deepEqual(stored.map((s) => [s.path, s.size]), [[big, 3000], [small, 5]]);
    assert.ok((await download(stored[0]!.id)).equals(bigData));
    assert.equal((await download(stored[1]!.id)).toString(), 'small');
  });

  it('deletes what it wrote when a later file cannot be read', async () => {
    const good = join(dir, 'fail-good.sca');
    await writeFile(good, 'fine');
    // A folder passes stat() and fails the open (only regular files are read), after the first batch was written.
    const unreadable = await mkdtemp(join(dir, 'fail-folder-'));
    const files = [good, unreadable].map((path) => ({ path, filename: path, metadata: { campaignUid: 'gridfs-fail' } }));
    await assert.rejects(storeFiles(db, RESULTS_BUCKET, files, { batchBytes: 5 }), /is not a regular file/);
    assert.equal(await db.collection(`${RESULTS_BUCKET}.files`).countDocuments({ 'metadata.campaignUid': 'gridfs-fail' }), 0);
  });
});
