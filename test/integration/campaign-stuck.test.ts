// Campaigns that never hang silently, on the kwok nodes: the test writes the
// runner pods' status through the status subresource as a kubelet would (a
// runner that keeps exiting, a container killed for its memory, an eviction)
// and the operator, woken by its pod informer, turns it into the Progressing
// condition and Warning Events, and into a Failed campaign once its progress
// deadline passed; a runner Job that exhausts its backoffLimit fails its
// campaign with the Job's reason; a deleted runner Secret is applied again on
// the next reconcile, without an operator restart, and so is the builder
// Secret while a build is under way.
//
// Node kind: kwok nodes (pods run nothing; their status is the test's to write).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { useStack } from '../stack/env.ts';
import { CampaignWorld, eventually } from '../support/campaign.ts';
import { notYet } from '../support/eventually.ts';

const stack = await useStack();
const world = new CampaignWorld(stack, 'campaign-stuck');

before(async () => {
  await world.setUp();
  await world.startOperator();
  await world.createReadyBuild('fixture');
});

after(async () => {
  await world.tearDown();
});

const condition = (c: SimulationCampaign, type: string) => c.status?.conditions?.find((x) => x.type === type);

/** The campaign's one runner pod once kwok runs it. */
async function runningPod(campaign: string): Promise<V1Pod> {
  return eventually(`a runner pod of ${campaign} is Running on a kwok node`, async () => {
    const pods = await world.runnerPods(campaign);
    return pods.find((p) => p.status?.phase === 'Running') ?? notYet(pods.map((p) => p.status?.phase));
  });
}

/** Writes the pod's status as the kubelet would, read-modify-replace (retried on a conflict with kwok). */
async function writePodStatus(name: string, change: (status: NonNullable<V1Pod['status']>) => void): Promise<void> {
  await eventually(`the status of pod ${name} is written`, async () => {
    const pod = await world.core.readNamespacedPod({ name, namespace: world.namespace });
    const status = pod.status ?? {};
    change(status);
    await world.core.replaceNamespacedPodStatus({ name, namespace: world.namespace, body: { ...pod, status } });
    return true;
  });
}

async function eventOf(campaign: string, reason: string): Promise<string> {
  return eventually(`campaign ${campaign} has a ${reason} Event`, async () => {
    const list = await world.core.listNamespacedEvent({ namespace: world.namespace, fieldSelector: `involvedObject.name=${campaign}` });
    const found = list.items.find((e) => e.reason === reason);
    return found ? `${found.type}: ${found.message ?? ''}` : notYet(list.items.map((e) => e.reason));
  });
}

const CONFIG_ERROR = 'ConfigError: INETSWARM_QUEUE_PREFIX must not be empty';

describe('a campaign whose runners are in trouble', { timeout: 300_000 }, () => {
  it('says a runner that keeps exiting in Progressing and an Event, then fails once its progress deadline passed', async () => {
    await world.createCampaign('crash', { config: 'Aloha', execution: { parallelism: 1, progressDeadlineSeconds: 30 } });
    const pod = await runningPod('crash');
    await writePodStatus(pod.metadata?.name ?? '', (status) => {
      status.containerStatuses = (status.containerStatuses ?? []).map((c) =>
        c.name === 'runner'
          ? {
              ...c,
              ready: false,
              restartCount: 3,
              state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=runner' } },
              lastState: { terminated: { exitCode: 1, reason: 'Error', message: CONFIG_ERROR } },
            }
          : c,
      );
    });
    const stuck = await world.campaignWhere('crash', 'stops progressing with RunnerCrashLoopBackOff', (c) => condition(c, 'Progressing')?.reason === 'RunnerCrashLoopBackOff', 60_000);
    assert.equal(condition(stuck, 'Progressing')?.status, 'False');
    assert.match(condition(stuck, 'Progressing')?.message ?? '', /container runner keeps exiting: exit code 1, Error: ConfigError: INETSWARM_QUEUE_PREFIX must not be empty/);
    assert.equal(stuck.status?.phase, 'Planning', 'the phase stays while the deadline runs');
    assert.ok(stuck.status?.lastProgressTime, 'the deadline counts from status.lastProgressTime');
    assert.match(await eventOf('crash', 'RunnerCrashLoopBackOff'), /^Warning: .*exit code 1/);

    const failed = await world.campaignWhere('crash', 'fails once 30 s passed without progress', (c) => c.status?.phase === 'Failed', 90_000);
    assert.deepEqual([condition(failed, 'Failed')?.status, condition(failed, 'Failed')?.reason], ['True', 'RunnerCrashLoopBackOff']);
    assert.match(failed.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '', /^No run started or finished for 30 s \(spec\.execution\.progressDeadlineSeconds\): Runner pod /);
    assert.ok(failed.status?.completionTime);
    assert.match(await eventOf('crash', 'Failed'), /^Warning: No run started or finished for 30 s/);
  });

  it('reports a runner container killed for its memory, and an evicted pod, with one Warning Event each', async () => {
    await world.createCampaign('evict', { config: 'Aloha', execution: { parallelism: 1 } });
    const pod = await runningPod('evict');
    const name = pod.metadata?.name ?? '';
    await writePodStatus(name, (status) => {
      status.containerStatuses = (status.containerStatuses ?? []).map((c) =>
        c.name === 'runner' ? { ...c, restartCount: 1, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } } : c,
      );
    });
    assert.match(await eventOf('evict', 'RunnerOOMKilled'), new RegExp(`^Warning: Runner pod ${name}: container runner was killed for exceeding its memory limit \\(exit code 137, OOMKilled\\)`));
    await writePodStatus(name, (status) => {
      status.phase = 'Failed';
      status.reason = 'Evicted';
      status.message = 'The node was low on resource: memory.';
    });
    assert.equal(await eventOf('evict', 'RunnerEvicted'), `Warning: Runner pod ${name} was evicted (Evicted): The node was low on resource: memory.`);
    // The Job replaces the evicted pod: the campaign goes on.
    const replaced = await world.campaignWhere('evict', 'has a replacement pod and is not Failed', (c) => c.status?.phase !== 'Failed' && condition(c, 'Progressing')?.reason !== 'RunnerEvicted');
    assert.equal(replaced.status?.phase, 'Planning');
    const events = await world.events('evict');
    assert.equal(events.filter((r) => r === 'RunnerOOMKilled').length, 1, 'the OOM kill is reported once');
  });

  it('fails with the Job\'s reason when the runner Job exhausted its backoffLimit', async () => {
    await world.createCampaign('backoff', { config: 'Aloha', execution: { parallelism: 1 } });
    const job = await world.runnerJob('backoff');
    const pod = await runningPod('backoff');
    // The Job's own limit is 100 restarts; lowered here so that one failed pod exhausts it.
    await world.kubectl('patch', 'job', job.metadata?.name ?? '', '-n', world.namespace, '--type=merge', '-p', JSON.stringify({ spec: { backoffLimit: 0 } }));
    await writePodStatus(pod.metadata?.name ?? '', (status) => {
      status.phase = 'Failed';
      status.containerStatuses = (status.containerStatuses ?? []).map((c) => ({ ...c, ready: false, state: { terminated: { exitCode: 1, reason: 'Error' } } }));
    });
    const failed = await world.campaignWhere('backoff', 'is Failed', (c) => c.status?.phase === 'Failed', 90_000);
    assert.deepEqual([condition(failed, 'Failed')?.status, condition(failed, 'Failed')?.reason], ['True', 'BackoffLimitExceeded']);
    assert.match(condition(failed, 'Ready')?.message ?? '', /^The runner Job failed \(BackoffLimitExceeded\): /);
  });
});

describe('the namespace of the runners', { timeout: 120_000 }, () => {
  it('gets its runner Secret back on the next reconcile after it was deleted', async () => {
    await world.createCampaign('steady', { config: 'Aloha', execution: { parallelism: 1 } });
    await runningPod('steady');
    const before = await world.core.readNamespacedSecret({ name: 'inet-swarm-runner', namespace: world.namespace });
    await world.core.deleteNamespacedSecret({ name: 'inet-swarm-runner', namespace: world.namespace });
    const again = await eventually('the runner Secret exists again', async () => {
      const s = await world.core.readNamespacedSecret({ name: 'inet-swarm-runner', namespace: world.namespace });
      return s.metadata?.uid !== before.metadata?.uid ? s : undefined;
    }, 30_000);
    assert.deepEqual(Object.keys(again.data ?? {}).sort(), ['mongodb-uri', 'nats-creds']);
    assert.equal(again.data?.['mongodb-uri'], before.data?.['mongodb-uri'], 'the namespace keeps its store login');
    await world.core.deleteNamespacedServiceAccount({ name: 'inet-swarm-runner', namespace: world.namespace });
    await eventually('the runner ServiceAccount exists again', () => world.core.readNamespacedServiceAccount({ name: 'inet-swarm-runner', namespace: world.namespace }), 30_000);
  });

  it('gets its builder Secret back while a build is under way', async () => {
    // A build with no record of its result stays Building, and its controller looks at it every few seconds.
    await world.custom.createNamespacedCustomObject({
      group: 'inetswarm.dev',
      version: 'v1alpha1',
      namespace: world.namespace,
      plural: 'inetbuilds',
      body: { apiVersion: 'inetswarm.dev/v1alpha1', kind: 'InetBuild', metadata: { name: 'building' }, spec: { source: { repository: 'file:///fixture', revision: 'd'.repeat(40) } } },
    });
    const first = await eventually('the builder Secret exists', () => world.core.readNamespacedSecret({ name: 'inet-swarm-builder', namespace: world.namespace }));
    await world.core.deleteNamespacedSecret({ name: 'inet-swarm-builder', namespace: world.namespace });
    const again = await eventually('the builder Secret exists again', async () => {
      const s = await world.core.readNamespacedSecret({ name: 'inet-swarm-builder', namespace: world.namespace });
      return s.metadata?.uid !== first.metadata?.uid ? s : undefined;
    }, 30_000);
    assert.equal(again.data?.uri, first.data?.uri, 'the namespace keeps its store login');
  });
});
