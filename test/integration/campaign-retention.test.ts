// Retention against the stack's real kube-apiserver, NATS and MongoDB-wire
// server with the operator as a child process (kwok nodes; no runner runs):
// `inet-swarm delete --results` leaves nothing of the campaign in the store,
// spec.results.ttlAfterFinished deletes a finished campaign and its results
// with an Event, and the orphan collector deletes the records of campaigns
// and builds that no longer exist while keeping those of live ones. A
// campaign's results are written as the store holds them (records in every
// collection, result files through GridFS), and counted before and after.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { uploadArtifact } from '../../lib/store/artifacts.ts';
import { BUILDS_COLLECTION } from '../../lib/store/builds.ts';
import { countCampaignResults } from '../../lib/store/retention.ts';
import { uploadResultFiles } from '../../lib/store/result-files.ts';
import { CAMPAIGNS, RUN_WINNERS, RUNS, SCALARS, SCA_RUNS, STATISTICS } from '../../lib/store/store.ts';
import { isNotFound } from '../../lib/kube/errors.ts';
import { useStack } from '../stack/env.ts';
import { CampaignWorld, REPO_ROOT, eventually } from '../support/campaign.ts';
import { cliEnv, runCli } from '../support/cli.ts';

let world: CampaignWorld;

/** Writes what a campaign of three runs leaves in the store: a plan, records in every collection, two files per run. */
async function storeResultsOf(uid: string): Promise<void> {
  const db = world.db;
  await db.collection(CAMPAIGNS).insertOne({ _id: uid, namespace: world.namespace, campaign: 'x', total: 3, plannedAt: new Date() } as never);
  for (const run of [0, 1, 2]) {
    const id = `${uid}/${run}`;
    await db.collection(RUNS).insertOne({ _id: id, campaignUid: uid, run, status: 'succeeded', attempts: 1, updatedAt: new Date() } as never);
    await db.collection(RUN_WINNERS).insertOne({ _id: id, campaignUid: uid, attempt: 1, runnerPod: 'p', at: new Date() } as never);
    await db.collection(SCALARS).insertMany([0, 1].map((i) => ({ _id: `${id}/a.sca/${i}`, campaignUid: uid, run, file: 'a.sca', module: 'm', name: `s${i}`, value: i, kind: 'scalar', iterationVars: {} })) as never);
    await db.collection(SCA_RUNS).insertOne({ _id: `${id}/a.sca`, campaignUid: uid, run, file: 'a.sca' } as never);
    await db.collection(STATISTICS).insertOne({ _id: `${id}/a.sca/0`, campaignUid: uid, run, file: 'a.sca' } as never);
    const sca = join(world.dir, `${uid}-${run}.sca`);
    const vec = join(world.dir, `${uid}-${run}.vec`);
    await writeFile(sca, `scalar m s ${run}\n`);
    await writeFile(vec, Buffer.alloc(300_000, run)); // two GridFS chunks
    await uploadResultFiles(db, [{ path: sca, name: 'a.sca' }, { path: vec, name: 'a.vec' }], { campaignUid: uid, run, attempt: 1, token: `t${run}` });
  }
}

const NOTHING = { documents: 0, files: 0, chunks: 0 };
const STORED = { documents: 1 + 3 * 6, files: 6, chunks: 9 };

async function campaignGone(name: string): Promise<boolean> {
  return world.getCampaign(name).then(() => false, (e: unknown) => { if (isNotFound(e)) return true; throw e; });
}

/** An InetBuild the real InetBuild controller marks Failed: its builder's record says so. */
async function failedBuild(name: string): Promise<void> {
  const build = (await world.custom.createNamespacedCustomObject({
    group: 'inetswarm.dev', version: 'v1alpha1', namespace: world.namespace, plural: 'inetbuilds',
    body: { apiVersion: 'inetswarm.dev/v1alpha1', kind: 'InetBuild', metadata: { name }, spec: { source: { repository: 'file:///fixture', revision: 'e'.repeat(40) } } },
  })) as { metadata: { uid: string } };
  const now = new Date();
  const failure = { reason: 'CompileFailed', message: 'the test says so' };
  await world.db.collection(BUILDS_COLLECTION).insertOne({ _id: build.metadata.uid, name, namespace: world.namespace, phase: 'Failed', startedAt: now, finishedAt: now, failure } as never);
}

/** A campaign that finishes at once (its build failed: Failed, with a completionTime), with its results stored. */
async function finishedCampaignWithResults(name: string, results?: SimulationCampaign['spec']['results']): Promise<SimulationCampaign> {
  await world.createCampaign(name, { config: 'Aloha', buildRef: { name: 'failed-build' }, ...(results ? { results } : {}) });
  const failed = await world.campaignWhere(name, 'finished with its finalizer', (c) => c.status?.completionTime !== undefined && (c.metadata.finalizers?.length ?? 0) > 0);
  await storeResultsOf(failed.metadata.uid ?? '');
  assert.deepEqual(await countCampaignResults(world.db, failed.metadata.uid ?? ''), STORED);
  return failed;
}

before(async () => {
  const stack = await useStack();
  world = new CampaignWorld(stack, 'campaign-retention');
  await world.setUp();
  await world.startOperator({
    INETSWARM_RETENTION_INTERVAL_SECONDS: '1',
    INETSWARM_ORPHAN_RESULTS_GRACE_SECONDS: '0',
    INETSWARM_ORPHAN_BUILDS_GRACE_SECONDS: '0',
  });
  await failedBuild('failed-build');
});

after(async () => {
  await world?.tearDown();
});

describe('retention', { timeout: 300_000 }, () => {
  it('deletes a campaign and everything stored of it with `inet-swarm delete --results`, and nothing of another', async () => {
    const doomed = await finishedCampaignWithResults('doomed');
    const kept = await finishedCampaignWithResults('kept');
    const env = cliEnv({ KUBECONFIG: world.stack.kubeconfig });
    const cli = await runCli(['delete', 'doomed', '--results', '-n', world.namespace, '--json'], { cwd: REPO_ROOT, env });
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout), { namespace: world.namespace, campaign: 'doomed', deleted: true, results: true });
    await eventually('the campaign doomed is gone', async () => ((await campaignGone('doomed')) ? true : undefined));
    assert.deepEqual(await countCampaignResults(world.db, doomed.metadata.uid ?? ''), NOTHING);
    assert.deepEqual(await countCampaignResults(world.db, kept.metadata.uid ?? ''), STORED);
    const missing = await runCli(['delete', 'doomed', '-n', world.namespace], { cwd: REPO_ROOT, env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No campaign 'doomed'/);
  });

  it('deletes a finished campaign and its results once results.ttlAfterFinished has passed, with an Expired Event', async () => {
    const expiring = await finishedCampaignWithResults('expiring', { ttlAfterFinished: '3s' });
    const uid = expiring.metadata.uid ?? '';
    await eventually('the campaign expiring is gone', async () => ((await campaignGone('expiring')) ? true : undefined), 60_000);
    assert.deepEqual(await countCampaignResults(world.db, uid), NOTHING);
    const events = await world.core.listNamespacedEvent({ namespace: world.namespace, fieldSelector: `involvedObject.uid=${uid}` });
    const expired = events.items.find((e) => e.reason === 'Expired');
    assert.match(expired?.message ?? '', /ttlAfterFinished \(3s\) has passed/);
  });

  it('collects the records of campaigns and builds that no longer exist, and keeps those of live ones', async () => {
    const live = await finishedCampaignWithResults('live');
    const gone = randomUUID();
    await storeResultsOf(gone);
    const build = await world.custom.createNamespacedCustomObject({
      group: 'inetswarm.dev', version: 'v1alpha1', namespace: world.namespace, plural: 'inetbuilds',
      body: { apiVersion: 'inetswarm.dev/v1alpha1', kind: 'InetBuild', metadata: { name: 'live-build' }, spec: { source: { repository: 'file:///fixture', revision: 'd'.repeat(40) } } },
    }) as { metadata: { uid: string } };
    const goneBuild = randomUUID();
    const liveArchive = join(world.dir, 'live.tar.gz');
    const goneArchive = join(world.dir, 'gone.tar.gz');
    await writeFile(liveArchive, 'live artifact');
    await writeFile(goneArchive, 'gone artifact');
    await uploadArtifact(world.db, liveArchive, { namespace: world.namespace, build: build.metadata.uid });
    await uploadArtifact(world.db, goneArchive, { namespace: world.namespace, build: goneBuild });
    await world.db.collection(BUILDS_COLLECTION).insertOne({ _id: goneBuild, name: 'gone', namespace: world.namespace, phase: 'Succeeded', startedAt: new Date() } as never);
    await eventually('the orphans are collected', async () => {
      const left = await countCampaignResults(world.db, gone);
      const artifacts = await world.db.collection('artifacts.files').countDocuments({ 'metadata.build': goneBuild });
      const record = await world.db.collection(BUILDS_COLLECTION).countDocuments({ _id: goneBuild } as never);
      return left.documents + left.files + artifacts + record === 0 ? true : undefined;
    }, 60_000);
    assert.deepEqual(await countCampaignResults(world.db, live.metadata.uid ?? ''), STORED);
    assert.equal(await world.db.collection('artifacts.files').countDocuments({ 'metadata.build': build.metadata.uid }), 1);
  });
});
