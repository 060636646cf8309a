// The result store on the MongoDB-wire server: attempts are counted, the
// first attempt to claim a run's outcome wins and a late duplicate changes
// nothing; racing attempts interleaved through recordSuccess's hooks leave
// files, scalars and the record of one attempt; a download goes on past a
// file the store lost.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GridFSBucket, MongoClient, type Db, type ObjectId } from 'mongodb';
import { CHUNK_SIZE, storeFiles } from '../../lib/store/gridfs.ts';
import type { ScalarRow } from '../../lib/store/sca.ts';
import { beginAttempt, recordFailure, recordRetry, type AttemptResult } from '../../lib/store/attempts.ts';
import { recordPlan } from '../../lib/store/campaigns.ts';
import { sweepResultFiles, uploadResultFiles, type LocalResultFile } from '../../lib/store/result-files.ts';
import { exportCsvR } from '../../lib/store/scalars-export.ts';
import { ensureIndexes, RESULTS_BUCKET, resultsBucket, runsOf, scalarsOf, scaRunsOf, statisticsOf } from '../../lib/store/store.ts';
import { recordSuccess, type SuccessInput } from '../../lib/store/success.ts';
import { storeScalars } from '../../lib/store/scalars.ts';
import { downloadResults } from '../../cli/campaign/results.ts';
import { scalarPlot } from '../../service/data/runs.ts';
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
  return { campaignUid: uid, run, attempt, token: `token-${attempt}`, runnerPod: `pod-${attempt}`, reason: 'Succeeded', exitCode: 0, signal: null, elapsedMs: 10 * attempt, ...extra };
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
    await uploadResultFiles(db, [orphan!], { campaignUid: uid, run: 0, attempt: 5, token: 'token-5' });
    await beginAttempt(db, uid, 1, 'p', 3);
    await uploadResultFiles(db, [orphan!], { campaignUid: uid, run: 1, attempt: 1, token: 'token-1' });
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
    const meta = { campaignUid: 'gridfs', run: 7, attempt: 1, token: 'token-1' };
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

describe('one winner per run', () => {
  /** An attempt begun through the store, with the token it got. */
  async function begin(uid: string, run: number, pod: string, elapsedMs: number): Promise<AttemptResult> {
    const b = await beginAttempt(db, uid, run, pod, 5);
    if (b.state !== 'run') throw new Error(`run ${run} of ${uid} got no attempt: ${b.state}`);
    return { campaignUid: uid, run, attempt: b.attempt, token: b.token, history: b.history, runnerPod: pod, reason: 'Succeeded', exitCode: 0, signal: null, elapsedMs };
  }

  /** The same file names for every attempt of a run, each attempt's own content. */
  async function attemptFiles(tag: string, run: number): Promise<LocalResultFile[]> {
    await mkdir(join(dir, tag), { recursive: true });
    const files = [`General-#${run}.sca`, `General-#${run}.vec`].map((name) => ({ path: join(dir, tag, name), name }));
    for (const f of files) await writeFile(f.path, `${f.name} of ${tag}\n`);
    return files;
  }

  /** A success of attempt `a`, tagged `tag` in its files, its identity, its scalar's value and its .sca run id. */
  async function success(a: AttemptResult, tag: string, value: number): Promise<SuccessInput> {
    const header = { runId: `run-${tag}`, attrs: [], itervars: [], config: [] };
    return { ...a, files: await attemptFiles(`${a.campaignUid}-${tag}`, a.run), iterationVars: { tag }, scalars: [{ file: `General-#${a.run}.sca`, rows: [{ module: 'Net', name: 'v', value, kind: 'scalar' }], header }] };
  }

  const killed = (): Promise<void> => Promise.reject(new Error('killed here'));

  async function read(id: ObjectId): Promise<string> {
    const parts: Buffer[] = [];
    for await (const chunk of resultsBucket(db).openDownloadStream(id)) parts.push(chunk as Buffer);
    return Buffer.concat(parts).toString();
  }

  /** The run's record, the files it names, and the scalars every reader exports are all attempt `a`'s (tagged `tag`), none of `other`'s. */
  async function assertFromAttempt(a: AttemptResult, tag: string, other: string): Promise<void> {
    const doc = await runsOf(db).findOne({ _id: `${a.campaignUid}/${a.run}` });
    assert.deepEqual([doc?.status, doc?.winnerToken, doc?.runnerPod, doc?.elapsedMs, doc?.iterationVars], ['succeeded', a.token, a.runnerPod, a.elapsedMs, { tag }], "the record is the winner's");
    const contents = await Promise.all((doc?.resultFiles ?? []).map(async (f) => read(f.gridfsId)));
    assert.deepEqual(contents, [`General-#${a.run}.sca of ${a.campaignUid}-${tag}\n`, `General-#${a.run}.vec of ${a.campaignUid}-${tag}\n`], "the files are the winner's");
    let csv = '';
    for await (const chunk of exportCsvR(db, [a.campaignUid])) csv += chunk;
    assert.ok(csv.includes(`run-${tag}`) && !csv.includes(`run-${other}`), `the export shows the winner's scalars only:\n${csv}`);
    const plot = await scalarPlot(db, [a.campaignUid], 'Net', 'v', 'tag');
    assert.deepEqual(plot.points.map((p) => p.x), [tag], "the dashboard's plot shows the winner's value only");
  }

  async function storedFileTokens(uid: string): Promise<string[]> {
    return (await db.collection(`${RESULTS_BUCKET}.files`).find({ 'metadata.campaignUid': uid }).toArray()).map((f) => f.metadata.token as string);
  }

  it('lets exactly one of two racing attempts win: A claims, B stores everything, A flips', async () => {
    const uid = 'race';
    const a = await begin(uid, 0, 'pod-a', 10);
    const b = await begin(uid, 0, 'pod-b', 20);
    let bWon: boolean | undefined;
    const afterClaim = async (): Promise<void> => {
      bWon = (await recordSuccess(db, await success(b, 'B', 2))).won;
    };
    const aWon = (await recordSuccess(db, await success(a, 'A', 1), new Date(), { afterClaim })).won;
    assert.deepEqual([aWon, bWon], [true, false], 'exactly one winner');
    await assertFromAttempt(a, 'A', 'B');
    assert.deepEqual(await storedFileTokens(uid), [a.token, a.token], "the loser's files are gone");
    assert.equal(await scalarsOf(db).countDocuments({ campaignUid: uid }), 1, "the loser's scalars are gone");
  });

  it('rolls a winner killed between its claim and its flip forward with its own outputs when another attempt stores its success', async () => {
    const uid = 'killed-winner';
    const a = await begin(uid, 0, 'pod-a', 10);
    const b = await begin(uid, 0, 'pod-b', 20);
    await assert.rejects(recordSuccess(db, await success(a, 'A', 1), new Date(), { afterClaim: killed }), /killed here/);
    assert.equal((await runsOf(db).findOne({ _id: `${uid}/0` }))?.status, 'running', 'the flip never happened');
    assert.equal((await recordSuccess(db, await success(b, 'B', 2))).won, false, 'the claim is not taken over');
    await assertFromAttempt(a, 'A', 'B');
    assert.deepEqual(await beginAttempt(db, uid, 0, 'pod-c', 5), { state: 'done', status: 'succeeded' });
  });

  it("rolls a killed winner forward on a duplicate delivery's begin, and on the sweep when nothing else comes", async () => {
    const a = await begin('killed-begin', 0, 'pod-a', 10);
    await assert.rejects(recordSuccess(db, await success(a, 'A', 1), new Date(), { afterClaim: killed }), /killed here/);
    assert.deepEqual(await beginAttempt(db, 'killed-begin', 0, 'pod-b', 5), { state: 'done', status: 'succeeded' });
    await assertFromAttempt(a, 'A', 'B');

    const lone = await begin('killed-sweep', 0, 'pod-a', 10);
    await assert.rejects(recordSuccess(db, await success(lone, 'A', 1), new Date(), { afterClaim: killed }), /killed here/);
    assert.equal(await sweepResultFiles(db, 'killed-sweep'), 0, 'the files the claim names are kept');
    await assertFromAttempt(lone, 'A', 'B');
  });

  it("shows only the winner's scalars while a killed attempt's are stored, and the sweep deletes the killed attempt's", async () => {
    const uid = 'killed-loser';
    const a = await begin(uid, 0, 'pod-a', 10);
    const b = await begin(uid, 0, 'pod-b', 20);
    // B stored its files and scalars (the same names, the same .sca) and died before claiming; A then won.
    await assert.rejects(recordSuccess(db, await success(b, 'B', 2), new Date(), { beforeClaim: killed }), /killed here/);
    assert.equal((await recordSuccess(db, await success(a, 'A', 1))).won, true);
    await assertFromAttempt(a, 'A', 'B');
    assert.equal(await sweepResultFiles(db, uid), 2, "B's two files");
    assert.deepEqual(await storedFileTokens(uid), [a.token, a.token]);
    const left = await Promise.all([scalarsOf(db), statisticsOf(db), scaRunsOf(db)].map(async (c) => (await c.find({ campaignUid: uid } as never).toArray()).map((d) => d.token)));
    assert.deepEqual(left, [[a.token], [], [a.token]], "B's scalars and run header are gone, A's kept");
    await assertFromAttempt(a, 'A', 'B');
  });

  it("deletes all of a losing attempt's scalars, the parts of a large .sca it stored before its claim included", async () => {
    const uid = 'parts';
    const a = await begin(uid, 0, 'runner-a', 10);
    const b = await begin(uid, 0, 'runner-b', 20);
    assert.deepEqual(await recordSuccess(db, await success(a, 'A', 1)), { won: true });
    const row = (value: number): ScalarRow => ({ module: 'Net', name: 'v', value, kind: 'scalar' });
    // As the runner stores a large file: the first rows as a part of their own, the rest with the run's files.
    await storeScalars(db, { campaignUid: uid, run: 0, token: b.token, iterationVars: {}, scalars: [{ file: 'General-#0.sca', rows: [row(1), row(2), row(3)], firstRow: 0 }] });
    const rest = await success(b, 'B', 4);
    const input = { ...rest, scalars: [{ ...rest.scalars[0]!, firstRow: 3 }] };
    assert.deepEqual(await recordSuccess(db, input), { won: false });
    assert.equal(await scalarsOf(db).countDocuments({ campaignUid: uid, token: b.token }), 0, "no scalar of the loser's is left");
    assert.equal(await scalarsOf(db).countDocuments({ campaignUid: uid, token: a.token }), 1, "the winner's stay");
  });

  it('keeps a failed run failed when a late success comes, and deletes what the late success stored', async () => {
    const uid = 'fail-then-success';
    const a = await begin(uid, 0, 'pod-a', 10);
    const b = await begin(uid, 0, 'pod-b', 20);
    assert.equal(await recordFailure(db, { ...b, reason: 'SimulationError', exitCode: 1, errorLine: 'boom' }), true);
    assert.equal((await recordSuccess(db, await success(a, 'A', 1))).won, false);
    const doc = await runsOf(db).findOne({ _id: `${uid}/0` });
    assert.deepEqual([doc?.status, doc?.reason, doc?.errorLine, doc?.winnerToken, doc?.resultFiles], ['failed', 'SimulationError', 'boom', b.token, undefined]);
    assert.deepEqual(await storedFileTokens(uid), [], "the late success's files are gone");
    assert.equal(await scalarsOf(db).countDocuments({ campaignUid: uid }), 0);
    assert.deepEqual(await beginAttempt(db, uid, 0, 'pod-c', 5), { state: 'done', status: 'failed' });
  });

  it('downloads every result file the store still holds and reports the one it lost', async () => {
    const uid = 'download-missing';
    for (const run of [0, 1]) assert.equal((await recordSuccess(db, await success(await begin(uid, run, 'pod-a', 10), 'A', 1))).won, true);
    const lost = (await runsOf(db).findOne({ _id: `${uid}/0` }))?.resultFiles?.find((f) => f.name.endsWith('.vec'));
    await resultsBucket(db).delete(lost!.gridfsId);
    const out = await mkdtemp(join(dir, 'download-'));
    const done = await downloadResults(db, [uid], out);
    assert.deepEqual(done.missing.map((m) => [m.run, m.name]), [[0, 'General-#0.vec']]);
    assert.match(done.missing[0]!.error, /not found/);
    assert.equal(done.files, 3);
    for (const name of ['General-#0.sca', 'General-#1.sca', 'General-#1.vec']) assert.equal(await readFile(join(out, name), 'utf8'), `${name} of ${uid}-A\n`);
    assert.deepEqual((await readdir(out)).sort(), ['General-#0.sca', 'General-#1.sca', 'General-#1.vec'], 'no partial file left');
  });
});
