// SimulationCampaign end to end on the local stack: the operator runs as a
// child process (so it can be killed), the InetBuild controller marks the
// fixture build ready from its recorded artifact, and runner processes started
// from the runner Job's own pod template do the work (kwok pods run nothing).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { consumerName, namespaceTaskStream, queueNames } from '../../lib/queue/subjects.ts';
import { credsOptions } from '../../lib/queue/identity.ts';
import { RESULTS_BUCKET, runsOf, scalarsOf } from '../../lib/store/store.ts';
import { isNotFound } from '../../lib/kube/errors.ts';
import { useStack } from '../stack/env.ts';
import { CampaignWorld, eventually } from '../support/campaign.ts';

let world: CampaignWorld;
let nc: NatsConnection;
let jsm: JetStreamManager;

const condition = (c: SimulationCampaign, type: string) => c.status?.conditions?.find((x) => x.type === type);
const uidOf = (c: SimulationCampaign) => c.metadata.uid ?? '';

async function consumerExists(c: SimulationCampaign): Promise<boolean> {
  const names = queueNames(world.queuePrefix);
  const ref = { namespace: world.namespace, campaign: c.metadata.name ?? '', campaignUid: uidOf(c) };
  return jsm.consumers.info(namespaceTaskStream(names, ref.namespace), consumerName(ref)).then(
    () => true,
    () => false,
  );
}

before(async () => {
  const stack = await useStack();
  world = new CampaignWorld(stack, 'campaign-e2e');
  await world.setUp();
  nc = await connect({ servers: stack.nats.url, ...credsOptions(stack.nats.creds) });
  jsm = await jetstreamManager(nc);
  await world.startOperator();
  await world.createReadyBuild('fixture');
});

after(async () => {
  await world?.tearDown();
  if (jsm) {
    const names = queueNames(world.queuePrefix);
    await jsm.streams.delete(namespaceTaskStream(names, world.namespace)).catch(() => undefined);
    await jsm.streams.delete(names.eventsStream).catch(() => undefined);
  }
  await nc?.close();
});

describe('SimulationCampaign', { timeout: 600_000 }, () => {
  it('runs a 42-run campaign to Succeeded with runners started from the Job pod template', async () => {
    // Each run lasts 1 s so the 42 runs take ~14 s on 3 runners: the controller,
    // which reads progress every 2 s, must see the planned total while runs
    // remain (with zero-length runs the runners could finish first).
    await world.createCampaign('aloha', {
      config: 'Aloha',
      simulation: { executable: './oppsim', extraArgs: ['--**.oppsim.durationMs=1000'] },
      execution: { parallelism: 3, cpu: '1', memory: '256Mi' },
    });
    const job = await world.runnerJob('aloha');
    const pod = job.spec?.template.spec;
    const container = pod?.containers[0];
    assert.equal(job.spec?.completions, undefined, 'work-queue pattern: completions unset');
    assert.ok(job.metadata?.ownerReferences?.some((r) => r.kind === 'SimulationCampaign' && r.controller), 'the campaign controls the Job');
    assert.deepEqual(pod?.nodeSelector, { 'inetswarm.dev/pool': 'runner' });
    assert.ok(pod?.tolerations?.some((t) => t.key === 'inetswarm.dev/pool' && t.value === 'runner' && t.effect === 'NoSchedule'));
    assert.equal(container?.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(container?.securityContext?.runAsNonRoot, true);
    // The campaign's resources are the simulation container's, where the runs run; the runner beside it asks only memory.
    assert.deepEqual(pod?.initContainers?.[0]?.resources?.requests, { cpu: '1', memory: '256Mi' });
    assert.deepEqual(container?.resources?.requests, { memory: '128Mi' });
    const jobText = JSON.stringify(job);
    assert.ok(!jobText.includes(world.stack.mongo.uri) && !jobText.includes(world.stack.nats.signer.signingSeed) && !jobText.includes('-----BEGIN'), 'no credential in the Job');

    const scheduled = await eventually('the runner pods run on kwok runner nodes', async () => {
      const pods = await world.runnerPods('aloha');
      return pods.length > 0 && pods.every((p) => world.stack.nodes.runner.includes(p.spec?.nodeName ?? '') && p.status?.phase === 'Running') ? pods : undefined;
    });
    assert.ok(scheduled.length >= 1);
    // The pods were admitted as the runner ServiceAccount, which the operator created without a token.
    assert.ok(scheduled.every((p) => p.spec?.serviceAccountName === 'inet-swarm-runner' && p.spec.automountServiceAccountToken === false));
    const account = await world.core.readNamespacedServiceAccount({ name: 'inet-swarm-runner', namespace: world.namespace });
    assert.equal(account.automountServiceAccountToken, false);

    const runners = await world.startRunners('aloha', 3);
    const grown = await world.runnerJob('aloha', 3);
    assert.equal(grown.spec?.parallelism, 3, 'planned: one pod per remaining run, capped at spec.execution.parallelism');

    const done = await world.campaignWhere('aloha', 'succeeded', (c) => c.status?.phase === 'Succeeded' || c.status?.phase === 'Failed', 180_000);
    assert.equal(done.status?.phase, 'Succeeded', JSON.stringify(done.status));
    assert.deepEqual(done.status?.runs, { total: 42, pending: 0, running: 0, succeeded: 42, failed: 0 });
    assert.equal(done.status?.progress, '42/42');
    assert.equal(condition(done, 'Complete')?.status, 'True');
    assert.equal(condition(done, 'Ready')?.status, 'True');
    assert.equal(condition(done, 'Planned')?.message, 'Expanded into 42 runs');
    assert.ok(done.status?.completionTime && done.status.startTime);
    assert.equal(await runsOf(world.db).countDocuments({ campaignUid: uidOf(done), status: 'succeeded' }), 42);

    const table = await world.kubectl('get', 'simulationcampaigns', '-n', world.namespace, 'aloha', '--no-headers');
    assert.match(table, /^aloha\s+Succeeded\s+42\/42\s+0\s+0\s+fixture\s/);

    const codes = await Promise.all(runners.map((r) => r.exited));
    assert.deepEqual(codes, [0, 0, 0], 'every runner exits 0 once the queue is drained');
    await eventually('the finished campaign has no runner pods', async () => {
      const job2 = await world.batch.readNamespacedJob({ name: 'aloha-runners', namespace: world.namespace });
      return job2.spec?.parallelism === 0 && (await world.runnerPods('aloha')).length === 0 ? true : undefined;
    });
    const events = await world.events('aloha');
    assert.ok(events.includes('Planned') && events.includes('Completed'), events.join(','));
  });

  it('fails a campaign with an unknown config with PlanFailed and the OMNeT++ error', async () => {
    await world.createCampaign('nope', { config: 'NoSuchConfig' });
    await world.startRunners('nope', 1);
    const failed = await world.campaignWhere('nope', 'failed', (c) => c.status?.phase === 'Failed');
    const planned = condition(failed, 'Planned');
    assert.equal(planned?.status, 'False');
    assert.equal(planned?.reason, 'PlanFailed');
    assert.match(planned?.message ?? '', /NoSuchConfig/);
    assert.equal(condition(failed, 'Failed')?.reason, 'PlanFailed');
    assert.ok((await world.events('nope')).includes('PlanFailed'));
  });

  it('fails a campaign whose build does not exist with BuildNotFound and creates no Job', async () => {
    await world.createCampaign('orphan', { config: 'Aloha', buildRef: { name: 'missing' } });
    const failed = await world.campaignWhere('orphan', 'failed', (c) => c.status?.phase === 'Failed');
    const ready = condition(failed, 'BuildReady');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'BuildNotFound');
    assert.match(ready?.message ?? '', /InetBuild missing does not exist/);
    await assert.rejects(world.batch.readNamespacedJob({ name: 'orphan-runners', namespace: world.namespace }), (e) => isNotFound(e));
  });

  it('stops a running campaign when it is deleted and removes its queue state', async () => {
    await world.createCampaign('doomed', { config: 'Short', execution: { parallelism: 2 } });
    const [runner] = await world.startRunners('doomed', 1);
    const running = await world.campaignWhere('doomed', 'runs', (c) => c.status?.phase === 'Running' && (c.status.runs?.succeeded ?? 0) > 0);
    assert.ok(await consumerExists(running), 'the campaign has a consumer while it runs');
    assert.ok(running.metadata.finalizers?.includes('inetswarm.dev/queue-cleanup'));

    await world.custom.deleteNamespacedCustomObject({ group: 'inetswarm.dev', version: 'v1alpha1', namespace: world.namespace, plural: 'simulationcampaigns', name: 'doomed' });
    await eventually('the campaign is gone', async () => (await world.getCampaign('doomed').then(() => false, (e: unknown) => isNotFound(e))) || undefined);
    assert.equal(await consumerExists(running), false, 'the consumer is deleted');
    await eventually('the runner Job and its pods are garbage-collected', async () => {
      const jobGone = await world.batch.readNamespacedJob({ name: 'doomed-runners', namespace: world.namespace }).then(
        () => false,
        (e: unknown) => isNotFound(e),
      );
      return jobGone && (await world.runnerPods('doomed')).length === 0 ? true : undefined;
    });
    // The kubelet stops the container of a deleted pod with SIGTERM: the runner hands back its run and exits.
    runner!.child.kill('SIGTERM');
    const code = await Promise.race([runner!.exited, sleep(45_000).then(() => 'still running')]);
    assert.notEqual(code, 'still running', 'the runner stops when its pod is deleted');
    const stored = await runsOf(world.db).countDocuments({ campaignUid: uidOf(running), status: 'succeeded' });
    assert.ok(stored > 0 && stored < 200, `results stay in MongoDB (${stored} runs), the rest never ran`);
    await sleep(2000);
    assert.equal(await runsOf(world.db).countDocuments({ campaignUid: uidOf(running), status: 'succeeded' }), stored, 'nothing runs after the delete');
  });

  it('suspends a campaign to zero runner pods and resumes it to completion', async () => {
    await world.createCampaign('pause', { config: 'Short', execution: { parallelism: 2 } });
    const [first] = await world.startRunners('pause', 1);
    const running = await world.campaignWhere('pause', 'runs', (c) => c.status?.phase === 'Running' && (c.status.runs?.succeeded ?? 0) > 0);
    await world.patchCampaignSpec('pause', { suspend: true });
    const suspended = await world.campaignWhere('pause', 'is Suspended', (c) => c.status?.phase === 'Suspended');
    assert.equal(condition(suspended, 'Progressing')?.reason, 'Suspended');
    await eventually('the suspended campaign has no runner pods', async () => {
      const job = await world.batch.readNamespacedJob({ name: 'pause-runners', namespace: world.namespace });
      return job.spec?.parallelism === 0 && (await world.runnerPods('pause')).length === 0 ? true : undefined;
    });
    // The kubelet stops the container of a deleted pod with SIGTERM.
    first!.child.kill('SIGTERM');
    await first!.exited;
    const stored = await runsOf(world.db).countDocuments({ campaignUid: uidOf(running), status: 'succeeded' });
    assert.ok(stored < 200, `the campaign was suspended mid-way (${stored} runs stored)`);

    await world.patchCampaignSpec('pause', { suspend: false });
    await world.campaignWhere('pause', 'is Running again', (c) => c.status?.phase === 'Running');
    assert.equal((await world.runnerJob('pause', 2)).spec?.parallelism, 2);
    await world.startRunners('pause', 2);
    const done = await world.campaignWhere('pause', 'finished', (c) => c.status?.completionTime !== undefined, 180_000);
    assert.equal(done.status?.phase, 'Succeeded', JSON.stringify(done.status));
    assert.deepEqual(done.status?.runs, { total: 200, pending: 0, running: 0, succeeded: 200, failed: 0 });
    const events = await world.events('pause');
    assert.ok(events.includes('Suspended') && events.includes('Resumed'), events.join(','));
  });

  it('loses nothing and stores nothing twice when the operator is killed and restarted mid-campaign', async () => {
    await world.createCampaign('restart', { config: 'Aloha', simulation: { executable: './oppsim', extraArgs: ['--**.oppsim.durationMs=300'] }, execution: { parallelism: 2 } });
    await world.startRunners('restart', 2);
    const underWay = await world.campaignWhere('restart', 'is under way', (c) => (c.status?.runs?.succeeded ?? 0) >= 4);
    await world.operator!.kill('SIGKILL');
    assert.ok((underWay.status?.runs?.succeeded ?? 0) < 42, 'the operator died mid-campaign');
    await sleep(3000);
    await world.startOperator();
    const done = await world.campaignWhere('restart', 'finished', (c) => c.status?.phase === 'Succeeded' || c.status?.phase === 'Failed', 180_000);
    assert.equal(done.status?.phase, 'Succeeded', JSON.stringify(done.status));
    assert.deepEqual(done.status?.runs, { total: 42, pending: 0, running: 0, succeeded: 42, failed: 0 });

    const uid = uidOf(done);
    const runs = await runsOf(world.db).find({ campaignUid: uid }).toArray();
    assert.equal(runs.length, 42);
    assert.deepEqual([...new Set(runs.map((r) => r.run))].length, 42);
    const referenced = runs.reduce((n, r) => n + (r.resultFiles?.length ?? 0), 0);
    const files = await world.db.collection(`${RESULTS_BUCKET}.files`).countDocuments({ 'metadata.campaignUid': uid });
    assert.equal(files, referenced, 'every stored result file belongs to exactly one stored run');
    const scalarRuns = await scalarsOf(world.db).distinct('run', { campaignUid: uid });
    assert.equal(scalarRuns.length, 42);
    const events = await world.events('restart');
    // Events follow the status write: one lost to the kill between the two is not repeated (at most once).
    assert.ok(events.filter((e) => e === 'Planned').length <= 1, `at most one Planned event: ${events.join(',')}`);
    assert.equal(events.filter((e) => e === 'Completed').length, 1, `one Completed event: ${events.join(',')}`);
  });

  it('runs two campaigns at once, each to its own outcome', async () => {
    await world.createCampaign('pair-errors', { config: 'Errors', execution: { parallelism: 2 } });
    await world.createCampaign('pair-ok', { config: 'Constrained', execution: { parallelism: 2 } });
    await Promise.all([world.startRunners('pair-errors', 1), world.startRunners('pair-ok', 1)]);
    const [errors, ok] = await Promise.all([
      world.campaignWhere('pair-errors', 'finished', (c) => c.status?.completionTime !== undefined, 120_000),
      world.campaignWhere('pair-ok', 'finished', (c) => c.status?.completionTime !== undefined, 120_000),
    ]);
    assert.equal(ok.status?.phase, 'Succeeded');
    assert.deepEqual(ok.status?.runs, { total: 6, pending: 0, running: 0, succeeded: 6, failed: 0 });
    assert.equal(errors.status?.phase, 'Failed');
    assert.equal(condition(errors, 'Failed')?.message, '2 of 10 runs failed');
    assert.deepEqual(errors.status?.failedRuns?.map((f) => [f.run, f.reason]), [
      [3, 'SimulationError'],
      [7, 'SimulationError'],
    ]);
    const table = await world.kubectl('get', 'simulationcampaigns', '-n', world.namespace, 'pair-errors', '--no-headers');
    assert.match(table, /^pair-errors\s+Failed\s+10\/10\s+2\s/);
  });
});
