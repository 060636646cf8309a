// What only real containers show, on the stack's real node with the chart
// installed (test/support/real-release.ts): a runner pod deleted mid-run,
// and a runner container SIGKILLed mid-run, lose no run; a model that
// outgrows its pod's memory limit ends its run as OOMKilled; the runner
// image's init process (tini) stays PID 1 under the operator's pod spec,
// forwards the kubelet's SIGTERM and reaps orphans, where a pod `command`
// that bypasses it leaves a zombie; a missing runner image turns the
// campaign's Progressing condition False with a Warning Event of the
// kubelet's reason; a runner that exits at start is a RunnerCrashLoopBackOff
// quoting its last log lines, then a Failed campaign at its progress
// deadline; a deleted runner Secret is applied again; the read-only root
// filesystem leaves the runner every path it writes. The campaigns use the
// fixture build recorded in the store (CampaignWorld), so no build runs here.
//
// Node kind: the real node (kubelet + containerd), not the kwok nodes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { runsOf } from '../../lib/store/store.ts';
import { REAL_NODE_LABEL, REAL_NODE_TOLERATIONS } from '../stack/node/node.ts';
import { useStack } from '../stack/env.ts';
import { CampaignWorld, eventually } from '../support/campaign.ts';
import { notYet } from '../support/eventually.ts';
import { installOnRealNode, type RealRelease } from '../support/real-release.ts';
import { ORPHAN_PROBE } from '../support/init-probes.ts';

const run = promisify(execFile);
const stack = await useStack({ realNode: true });
const world = new CampaignWorld(stack, 'real-fail');
let release: RealRelease;

/** Four runs of a few seconds each, one runner pod: long enough to hit one mid-run. */
const SLOW_RUNS = { config: 'Aloha', runFilter: '0..3', simulation: { executable: './oppsim', extraArgs: ['--**.oppsim.durationMs=4000'] }, execution: { parallelism: 1 } };

before(async () => {
  await world.setUp();
  await world.createReadyBuild('fixture');
  // A short AckWait, so that the run of a SIGKILLed runner comes back within seconds (the default is a minute).
  release = await installOnRealNode(world, { extraEnv: { INETSWARM_ACK_WAIT_SECONDS: '8' } });
});

after(async () => {
  await world.kubectl('delete', 'simulationcampaigns', '--all', '-n', world.namespace, '--wait=true', '--timeout=30s').catch(() => undefined);
  await release?.uninstall();
  await world.tearDown();
});

async function finished(name: string, timeoutMs = 240_000): Promise<SimulationCampaign> {
  return eventually(`campaign ${name} finishes`, async () => {
    const c = await world.getCampaign(name);
    return c.status?.phase === 'Succeeded' || c.status?.phase === 'Failed' ? c : notYet(c.status);
  }, timeoutMs, 1000);
}

/** The runner pod of the campaign once one of its runs is under way. */
async function podMidRun(campaign: string): Promise<V1Pod> {
  const uid = (await world.getCampaign(campaign)).metadata.uid ?? '';
  return eventually(`a run of ${campaign} is under way in a Running pod`, async () => {
    const running = await runsOf(world.db).findOne({ campaignUid: uid, status: 'running' });
    const pod = (await world.runnerPods(campaign)).find((p) => p.metadata?.name === running?.runnerPod && p.status?.phase === 'Running');
    return pod ?? notYet({ running: running?.runnerPod });
  }, 120_000, 200);
}

async function everyRunSucceededOnce(campaign: SimulationCampaign, total: number): Promise<void> {
  const runs = await runsOf(world.db).find({ campaignUid: campaign.metadata.uid ?? '' }).sort({ run: 1 }).toArray();
  assert.deepEqual(runs.map((r) => [r.run, r.status]), Array.from({ length: total }, (_, i) => [i, 'succeeded']));
  assert.equal(campaign.status?.phase, 'Succeeded', JSON.stringify(campaign.status));
}

/** Waits until the campaign's Progressing condition gives `reason`, and its Warning Event of that reason exists. */
async function cannotStart(name: string, reason: string): Promise<{ progressing: { message?: string } | undefined }> {
  const progressing = await eventually(`campaign ${name} says ${reason}`, async () => {
    const c = (await world.getCampaign(name)).status?.conditions?.find((k) => k.type === 'Progressing');
    return c?.reason === reason && c.status === 'False' ? c : notYet(c);
  }, 60_000, 500);
  assert.notEqual((await world.getCampaign(name)).status?.phase, 'Running');
  const events = await world.core.listNamespacedEvent({ namespace: world.namespace, fieldSelector: `involvedObject.name=${name}` });
  const warning = events.items.find((e) => e.reason === reason);
  assert.equal(warning?.type, 'Warning', JSON.stringify(events.items.map((e) => e.reason)));
  assert.equal(warning?.message, progressing.message);
  return { progressing };
}

/** A pod like the operator's runner pods (args, not command), or with `command` bypassing the entrypoint. */
function probePod(name: string, image: string, script: string, bypass: boolean): V1Pod {
  const program = ['node', '-e', script];
  return {
    metadata: { name, namespace: world.namespace },
    spec: {
      restartPolicy: 'Never',
      nodeSelector: { [REAL_NODE_LABEL]: 'real' },
      tolerations: REAL_NODE_TOLERATIONS,
      // The kubelet stops the container with SIGTERM after this: the pod (and its log) stays, unlike a deleted one.
      activeDeadlineSeconds: 6,
      terminationGracePeriodSeconds: 20,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'main',
          image,
          imagePullPolicy: 'Never',
          ...(bypass ? { command: program } : { args: program }),
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
        },
      ],
      volumes: [{ name: 'tmp', emptyDir: {} }],
    },
  };
}

/** Reports PID 1, leaves an orphan that exits, counts zombies, and on SIGTERM says so and exits 42. */
const PROBE = `
const fs = require('node:fs');
process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(42); });
console.log('pid1=' + fs.readFileSync('/proc/1/cmdline', 'utf8').split('\\0')[0]);
const writable = (dir) => { try { fs.writeFileSync(dir + '/probe', 'x'); return 'writable'; } catch { return 'read-only'; } };
console.log('root=' + writable('/app') + ' tmp=' + writable('/tmp'));
setInterval(() => {}, 1000);
${ORPHAN_PROBE}`;

async function probe(name: string, bypass: boolean): Promise<{ exitCode: number | undefined; log: string }> {
  await world.core.createNamespacedPod({ namespace: world.namespace, body: probePod(name, release.images.runner, PROBE, bypass) });
  const done = await eventually(`probe ${name} ends`, async () => {
    const p = await world.core.readNamespacedPod({ name, namespace: world.namespace });
    const terminated = p.status?.containerStatuses?.[0]?.state?.terminated;
    return terminated ?? notYet(p.status?.containerStatuses);
  }, 90_000);
  return { exitCode: done.exitCode, log: await world.core.readNamespacedPodLog({ name, namespace: world.namespace }) };
}

describe('real containers', { timeout: 900_000 }, () => {
  it('loses no run when a runner pod is deleted mid-run', async () => {
    await world.createCampaign('deleted', SLOW_RUNS);
    const pod = await podMidRun('deleted');
    await world.core.deleteNamespacedPod({ name: pod.metadata?.name ?? '', namespace: world.namespace });
    const campaign = await finished('deleted');
    await everyRunSucceededOnce(campaign, 4);
    const pods = (await world.runnerPods('deleted')).map((p) => p.metadata?.name);
    assert.ok(!pods.includes(pod.metadata?.name), 'the Job replaced the deleted pod');
  });

  it('loses no run when a runner container is SIGKILLed mid-run, and restarts it in place', async () => {
    await world.createCampaign('killed', SLOW_RUNS);
    const pod = await podMidRun('killed');
    const containerId = (pod.status?.containerStatuses?.[0]?.containerID ?? '').replace(/^containerd:\/\//, '');
    assert.ok(containerId, JSON.stringify(pod.status));
    // The container's init process, as the kernel's OOM killer or a node problem would end it: no SIGTERM first.
    await run('ctr', ['--address', release.node.containerdSocket, '-n', 'k8s.io', 'tasks', 'kill', '--signal', 'SIGKILL', containerId]);
    // Seen before the campaign ends: its end scales the Job to zero, which deletes the pod.
    const after = await eventually('the killed container restarted in place', async () => {
      const status = (await world.core.readNamespacedPod({ name: pod.metadata?.name ?? '', namespace: world.namespace })).status?.containerStatuses?.[0];
      return (status?.restartCount ?? 0) >= 1 ? status : notYet(status);
    }, 60_000, 200);
    assert.equal(after?.lastState?.terminated?.exitCode, 137, JSON.stringify(after));
    const campaign = await finished('killed');
    await everyRunSucceededOnce(campaign, 4);
  });

  it('ends a run whose model outgrows the pod\'s memory limit as OOMKilled', async () => {
    await world.createCampaign('oom', {
      config: 'Aloha',
      runFilter: '0',
      simulation: { executable: './oppsim', extraArgs: ['--**.oppsim.memoryMb=600'] },
      execution: { parallelism: 1, memory: '256Mi', maxAttempts: 1 },
    });
    const campaign = await finished('oom');
    assert.equal(campaign.status?.phase, 'Failed');
    const [record] = await runsOf(world.db).find({ campaignUid: campaign.metadata.uid ?? '' }).toArray();
    assert.deepEqual([record?.status, record?.reason], ['failed', 'OOMKilled'], JSON.stringify(record));
    assert.deepEqual(campaign.status?.failedRuns?.map((f) => [f.run, f.reason]), [[0, 'OOMKilled']]);
  });

  it('keeps tini as PID 1 under the operator\'s pod spec: it forwards SIGTERM and reaps orphans, which a bypassing command does not', async () => {
    // The finished campaign's Job, scaled to zero: its pod template is what the operator runs.
    const job = await world.batch.readNamespacedJob({ name: 'deleted-runners', namespace: world.namespace });
    const container = job.spec?.template.spec?.containers[0];
    assert.deepEqual([container?.command, container?.args], [undefined, ['node', 'pods/runner/main.js']]);

    const kept = await probe('init-kept', false);
    assert.match(kept.log, /^pid1=\/usr\/bin\/tini$/m, kept.log);
    assert.match(kept.log, /^zombies=0$/m, kept.log);
    assert.match(kept.log, /^root=read-only tmp=writable$/m, 'the root is read-only, and /tmp (an emptyDir in the runner pods) is not');
    assert.match(kept.log, /^got SIGTERM$/m, 'the kubelet\'s SIGTERM reached the program through tini');
    assert.equal(kept.exitCode, 42);

    const bypassed = await probe('init-bypassed', true);
    assert.match(bypassed.log, /^pid1=node$/m, bypassed.log);
    assert.match(bypassed.log, /^zombies=1$/m, bypassed.log);
  });

  it('says in a condition and an Event that a runner image is missing, instead of planning forever', async () => {
    await world.createReadyBuild('no-image', { version: '6.1', runnerImage: 'inet-swarm.local/absent-runner:1' });
    // A small CPU request: the node's two cores also hold the operator, distccd and the next test's pod.
    await world.createCampaign('no-image', { config: 'Aloha', buildRef: { name: 'no-image' }, execution: { parallelism: 1, cpu: '250m' } });
    const campaign = await cannotStart('no-image', 'RunnerImageUnavailable');
    assert.match(campaign.progressing?.message ?? '', /Runner pod no-image-runners-\S+ cannot start \((ErrImagePull|ImagePullBackOff)\): .*inet-swarm\.local\/absent-runner:1/);
    await world.kubectl('delete', 'simulationcampaign', 'no-image', '-n', world.namespace, '--wait=true', '--timeout=30s');
  });

  it('says in a condition quoting its last log lines that a runner exits at start, and fails the campaign at its progress deadline', async () => {
    // A store URI the runner refuses: it exits at start and the kubelet restarts it with a growing delay. The
    // operator checks that the Secret holds its keys, not what they say, so it leaves this one as it is.
    await world.kubectl('patch', 'secret', 'inet-swarm-runner', '-n', world.namespace, '--type=merge', '-p', JSON.stringify({ stringData: { 'mongodb-uri': 'not-a-uri' } }));
    await world.createCampaign('bad-config', { config: 'Aloha', runFilter: '0', execution: { parallelism: 1, cpu: '250m', progressDeadlineSeconds: 30 } });
    const campaign = await cannotStart('bad-config', 'RunnerCrashLoopBackOff');
    // The runner's last log line, its termination message (FallbackToLogsOnError): the store client refused the URI.
    assert.match(campaign.progressing?.message ?? '', /container runner keeps exiting: exit code \d+, Error: .*Invalid scheme/);
    const failed = await eventually('campaign bad-config fails at its progress deadline', async () => {
      const c = await world.getCampaign('bad-config');
      return c.status?.phase === 'Failed' ? c : notYet(c.status?.phase);
    }, 120_000, 1000);
    assert.equal(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'RunnerCrashLoopBackOff');
  });

  it('applies a deleted runner Secret again on the next reconcile, so that the next campaign runs', async () => {
    const before = await world.core.readNamespacedSecret({ name: 'inet-swarm-runner', namespace: world.namespace });
    await world.core.deleteNamespacedSecret({ name: 'inet-swarm-runner', namespace: world.namespace });
    await world.createCampaign('secret-back', { config: 'Aloha', runFilter: '0', execution: { parallelism: 1, cpu: '250m' } });
    const done = await finished('secret-back');
    assert.equal(done.status?.phase, 'Succeeded');
    const again = await world.core.readNamespacedSecret({ name: 'inet-swarm-runner', namespace: world.namespace });
    assert.notEqual(again.metadata?.uid, before.metadata?.uid, 'a new Secret');
    assert.notEqual(again.data?.['mongodb-uri'], before.data?.['mongodb-uri'], 'with the store URI the operator writes, not the broken one');
  });

  it('runs every run on a read-only root filesystem, which leaves the runner the paths it writes', async () => {
    const job = await world.batch.readNamespacedJob({ name: 'deleted-runners', namespace: world.namespace });
    const pod = job.spec?.template.spec;
    assert.equal(pod?.containers[0]?.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(pod?.initContainers?.[0]?.securityContext?.readOnlyRootFilesystem, true);
    // The only writable paths: the launcher's socket, the result folders, the artifact cache and /tmp, emptyDirs
    // the runner (and, but for the artifact cache, the simulation container) wrote every run into.
    assert.deepEqual(pod?.containers[0]?.volumeMounts?.map((m) => m.mountPath), ['/var/run/inet-swarm/launcher', '/var/lib/inet-swarm/work', '/var/cache/inet-swarm/artifacts', '/tmp']);
    const runs = await runsOf(world.db).find({ campaignUid: (await world.getCampaign('deleted')).metadata.uid ?? '' }).toArray();
    assert.equal(runs.length, 4);
    assert.ok(runs.every((r) => r.status === 'succeeded' && (r.resultFiles?.length ?? 0) === 4), JSON.stringify(runs.map((r) => r.resultFiles)));
  });
});
