// Bad input and missing servers give the runner clear errors, never a crash:
// a missing or corrupt artifact, an unreachable store, a malformed task, a
// missing variable; and SIGTERM hands the current run back.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GridFSBucket } from 'mongodb';
import { ARTIFACTS_BUCKET, fetchArtifact, fileDigest, uploadArtifact } from '../../lib/store/artifacts.ts';
import { PermanentError } from '../../lib/errors.ts';
import { campaignQueueDepth, deleteCampaignQueueState, publishRunTasks } from '../../lib/queue/jetstream.ts';
import { namespaceTaskStream, taskSubject } from '../../lib/queue/subjects.ts';
import { runsOf } from '../../lib/store/store.ts';
import { freePort } from '../stack/process.ts';
import { useStack } from '../stack/env.ts';
import type { StackInfo } from '../stack/types.ts';
import { fixtureArchive, setupCampaign, type Campaign } from '../support/runner-harness.ts';
import { eventually } from '../support/eventually.ts';

let stack: StackInfo;
const campaigns: Campaign[] = [];

before(async () => {
  stack = await useStack();
});
after(async () => {
  await Promise.all(campaigns.map((c) => c.close()));
});

async function campaign(...args: Parameters<typeof setupCampaign>): Promise<Campaign> {
  const c = await setupCampaign(...args);
  campaigns.push(c);
  return c;
}

describe('artifact fetch', () => {
  it('downloads an artifact once, verifies it and serves later fetches from the cache', async () => {
    const c = await campaign(stack, { iniConfig: 'General', noPlan: true });
    const cache = join(c.dir, 'fetch-cache');
    const root = await fetchArtifact(c.db, c.config.artifact.digest, cache);
    assert.ok((await stat(join(root, 'oppsim'))).isFile(), 'the executable is in the extracted tree');
    assert.ok((await stat(join(root, 'omnetpp.ini'))).isFile());
    // With the stored copy gone, the cache alone must answer.
    await c.db.collection(`${ARTIFACTS_BUCKET}.files`).deleteMany({});
    assert.equal(await fetchArtifact(c.db, c.config.artifact.digest, cache), root);
    assert.deepEqual((await readdir(cache)).filter((n) => n.startsWith('.')), [], 'no temporary files left');
  });

  it('uploads the same archive only once', async () => {
    const c = await campaign(stack, { iniConfig: 'General', noPlan: true });
    const { archive } = await fixtureArchive();
    const again = await uploadArtifact(c.db, archive);
    assert.equal(again.digest, await fileDigest(archive));
    assert.equal(await c.db.collection(`${ARTIFACTS_BUCKET}.files`).countDocuments({ filename: again.digest }), 1);
  });

  it('refuses a corrupt artifact and leaves nothing behind in the cache', async () => {
    const c = await campaign(stack, { iniConfig: 'General', noPlan: true });
    const digest = `sha256:${randomBytes(32).toString('hex')}`;
    const bad = join(c.dir, 'bad.tar.gz');
    await writeFile(bad, randomBytes(4096));
    const upload = new GridFSBucket(c.db, { bucketName: ARTIFACTS_BUCKET }).openUploadStream(digest);
    const content = await readFile(bad);
    await new Promise((resolve, reject) => upload.once('error', reject).end(content, () => resolve(undefined)));
    const cache = join(c.dir, 'corrupt-cache');
    await assert.rejects(fetchArtifact(c.db, digest, cache), (err: Error) => err instanceof PermanentError && /is corrupt/.test(err.message));
    assert.deepEqual(await readdir(cache), [], 'neither the download nor an extraction is kept');
  });

  it('names a missing or malformed digest', async () => {
    const c = await campaign(stack, { iniConfig: 'General', noPlan: true });
    await assert.rejects(fetchArtifact(c.db, `sha256:${'0'.repeat(64)}`, join(c.dir, 'x')), /does not exist in the artifacts bucket/);
    await assert.rejects(fetchArtifact(c.db, 'md5:abc', join(c.dir, 'x')), /is malformed/);
  });
});

async function logOf(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

describe('runner start-up errors', () => {
  it('exits 1 with a clear message when the artifact does not exist', async () => {
    const c = await campaign(stack, { iniConfig: 'General', digest: `sha256:${'0'.repeat(64)}` });
    const r = c.startRunner();
    assert.equal((await r.exited).code, 1);
    assert.match(await logOf(r.logFile), /Artifact sha256:0{64} does not exist in the artifacts bucket/);
    assert.equal(await runsOf(c.db).countDocuments({}), 0);
  });

  it('exits 1 naming the store when MongoDB cannot be reached, without printing its password', async () => {
    const c = await campaign(stack, { iniConfig: 'General', noPlan: true });
    const port = await freePort();
    const r = c.startRunner('no-store', { INETSWARM_MONGO_URI: `mongodb://runner:hunter2@127.0.0.1:${port}/?authSource=admin`, INETSWARM_CONNECT_TIMEOUT_SECONDS: '2' });
    const { code } = await r.exited;
    const log = await logOf(r.logFile);
    assert.equal(code, 1);
    assert.match(log, new RegExp(`Could not reach the result store at mongodb://runner:\\*\\*\\*@127.0.0.1:${port}`));
    assert.ok(!log.includes('hunter2'), 'the password is not logged');
  });

  it('exits 1 naming a missing environment variable', async () => {
    const c = await campaign(stack, { iniConfig: 'General', noPlan: true });
    const r = c.startRunner('no-uid', { INETSWARM_CAMPAIGN_UID: '' });
    assert.equal((await r.exited).code, 1);
    assert.match(await logOf(r.logFile), /INETSWARM_CAMPAIGN_UID is required but not set/);
  });
});

describe('runner at work', () => {
  it('terms a malformed task message with a logged error and finishes the campaign', async () => {
    const c = await campaign(stack, { iniConfig: 'Constrained' });
    const subject = taskSubject(c.names, c.ref);
    await c.js.publish(subject, new TextEncoder().encode('{"version":1,"kind":"run","run":"seven"'));
    await c.js.publish(subject, new TextEncoder().encode(JSON.stringify({ version: 1, kind: 'explode' })));
    const r = c.startRunner();
    assert.equal((await r.exited).code, 0);
    const log = await logOf(r.logFile);
    assert.equal(log.match(/Rejected malformed task/g)?.length, 2);
    assert.match(log, /task is not JSON/);
    assert.match(log, /unknown task kind \\"explode\\"/);
    assert.equal(await runsOf(c.db).countDocuments({ campaignUid: c.ref.campaignUid, status: 'succeeded' }), 6);
    assert.deepEqual(await campaignQueueDepth(c.jsm, c.names, c.ref), { pending: 0, ackPending: 0 });
  });

  it('on SIGTERM kills a run that cannot finish in time, hands it back and exits in time', async () => {
    const c = await campaign(stack, { iniConfig: 'Hang', policy: { runTimeoutMs: 120_000 }, runner: { shutdownGraceMs: 1000, killGraceMs: 500 } });
    const r = c.startRunner();
    await eventually('run 2 to be running', async () => ((await runsOf(c.db).findOne({ campaignUid: c.ref.campaignUid, run: 2, status: 'running' })) ? true : undefined), 60_000);
    const signalled = Date.now();
    r.child.kill('SIGTERM');
    const { code } = await r.exited;
    const tookMs = Date.now() - signalled;
    assert.equal(code, 143);
    assert.ok(tookMs < 8000, `exited ${tookMs} ms after SIGTERM`);
    const run2 = await runsOf(c.db).findOne({ campaignUid: c.ref.campaignUid, run: 2 });
    assert.equal(run2?.status, 'pending');
    assert.equal(run2?.reason, 'Interrupted');
    assert.equal(run2?.attempts, 0, 'an interrupted attempt does not count');
    const depth = await campaignQueueDepth(c.jsm, c.names, c.ref);
    // Runs 0 and 1 are done; run 2 is handed back and run 3 was never taken.
    assert.equal((depth?.pending ?? 0) + (depth?.ackPending ?? 0), 2, 'the interrupted run is back on the queue');
    assert.equal(await runsOf(c.db).countDocuments({ campaignUid: c.ref.campaignUid, status: 'succeeded' }), 2);
  });
});


describe('queue state', () => {
  it('deduplicates republished run tasks and removes a campaign\'s consumer and tasks on delete', async () => {
    const c = await campaign(stack, { iniConfig: 'General' });
    const policy = { maxAttempts: 3, retrySimulationErrors: false, runTimeoutMs: 1000 };
    const runs = [0, 1, 2].map((run) => ({ run, identity: { iterationVars: {}, repetition: 0 } }));
    const first = await publishRunTasks(c.js, c.names, c.ref, runs, policy);
    const again = await publishRunTasks(c.js, c.names, c.ref, runs, policy);
    assert.deepEqual([first, again], [{ published: 3, duplicates: 0 }, { published: 0, duplicates: 3 }]);
    assert.deepEqual(await campaignQueueDepth(c.jsm, c.names, c.ref), { pending: 4, ackPending: 0 }, 'the plan and three runs');
    await deleteCampaignQueueState(c.jsm, c.names, c.ref);
    await deleteCampaignQueueState(c.jsm, c.names, c.ref);
    assert.equal(await campaignQueueDepth(c.jsm, c.names, c.ref), undefined);
    assert.equal((await c.jsm.streams.info(namespaceTaskStream(c.names, c.ref.namespace))).state.messages, 0);
  });
});
