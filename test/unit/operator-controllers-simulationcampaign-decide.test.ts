import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InetBuild, SimulationCampaign, SimulationCampaignStatus } from '../../api/v1alpha1.ts';
import {
  decideCampaign,
  estimatedCompletion,
  listedFailedRuns,
  runnerParallelism,
  writePlan,
  type CampaignObservation,
  type ObservedProgress,
  type ParallelismInput,
} from '../../operator/controllers/simulationcampaign/decide.ts';
import { podServiceAccount } from '../../lib/kube/manifests.ts';
import { CAMPAIGN_FINALIZER } from '../../api/labels.ts';
import { runnerJob, simulationOf } from '../../operator/controllers/simulationcampaign/manifests.ts';
import { campaignSettingsFromEnv, type CampaignSettings } from '../../operator/controllers/simulationcampaign/settings.ts';
import { runnerConfigFromEnv } from '../../lib/engine/runner-config.ts';

// A well-formed account key and signing seed (base32 of the right length; never used to sign here).
const natsAccount = `A${'B'.repeat(55)}`;
const natsSigningSeed = `SA${'C'.repeat(56)}`;
const settings: CampaignSettings = campaignSettingsFromEnv(
  { INETSWARM_NATS_URL: 'nats://127.0.0.1:4222', INETSWARM_NATS_ACCOUNT: natsAccount, INETSWARM_NATS_SIGNING_KEY: natsSigningSeed, INETSWARM_RUNNER_NATS_URL: 'nats://inet-swarm-nats:4222' },
  { uri: 'mongodb://user:secret-mongo@db:27017', database: 'inetswarm' },
  1000,
);
const now = new Date('2026-01-01T12:00:00Z');
const digest = `sha256:${'a'.repeat(64)}`;

function campaign(overrides: { status?: SimulationCampaignStatus; suspend?: boolean; parallelism?: number; finalizers?: string[]; deleting?: boolean } = {}): SimulationCampaign {
  return {
    apiVersion: 'inetswarm.dev/v1alpha1',
    kind: 'SimulationCampaign',
    metadata: {
      name: 'aloha',
      namespace: 'team',
      uid: 'uid-1',
      generation: 1,
      finalizers: overrides.finalizers ?? [CAMPAIGN_FINALIZER],
      ...(overrides.deleting ? { deletionTimestamp: new Date('2026-01-01T11:59:00Z') } : {}),
    },
    spec: {
      buildRef: { name: 'fixture' },
      config: 'Aloha',
      workingDir: 'samples/aloha',
      simulation: { executable: './aloha', nedPath: ['../../src'], libraries: ['../../src/INET'] },
      execution: { parallelism: overrides.parallelism ?? 100, cpu: '1', memory: '512Mi', runTimeout: '10m', maxAttempts: 2 },
      ...(overrides.suspend !== undefined ? { suspend: overrides.suspend } : {}),
    },
    ...(overrides.status ? { status: overrides.status } : {}),
  };
}

function build(phase: 'Building' | 'Succeeded' | 'Failed'): InetBuild {
  return {
    apiVersion: 'inetswarm.dev/v1alpha1',
    kind: 'InetBuild',
    metadata: { name: 'fixture', namespace: 'team', uid: 'b-1' },
    spec: { source: { repository: 'https://example.org/m.git', revision: 'b'.repeat(40) } },
    status: {
      phase,
      ...(phase === 'Succeeded' ? { artifact: { digest, size: 10 } } : {}),
      ...(phase === 'Failed' ? { failure: { reason: 'CompileFailed', message: 'main.c:3: error: no_such_symbol undeclared' } } : {}),
    },
  };
}

function progress(p: Partial<ObservedProgress>): ObservedProgress {
  return { total: undefined, pending: 0, running: 0, succeeded: 0, failed: 0, failedRuns: [], etaSeconds: undefined, planError: undefined, ...p };
}

function observe(o: Partial<CampaignObservation>): CampaignObservation {
  return { campaign: campaign(), build: build('Succeeded'), job: undefined, progress: progress({}), queueReady: true, capacity: undefined, lastStatusWrite: undefined, now, settings, ...o };
}

const condition = (status: SimulationCampaignStatus | undefined, type: string) => status?.conditions?.find((c) => c.type === type);

describe('runnerParallelism', () => {
  const table: { name: string; input: ParallelismInput; expected: number }[] = [
    { name: 'runs one pod per remaining run up to spec.execution.parallelism', input: { remaining: 42, maxParallelism: 100, capacity: undefined, current: 0, suspended: false }, expected: 42 },
    { name: 'caps the pods at spec.execution.parallelism', input: { remaining: 500, maxParallelism: 8, capacity: undefined, current: 0, suspended: false }, expected: 8 },
    { name: 'caps growth at the capacity left in the cluster', input: { remaining: 500, maxParallelism: 100, capacity: 12, current: 4, suspended: false }, expected: 12 },
    { name: 'does not lower the pods while runs remain, since a removed pod could be busy', input: { remaining: 3, maxParallelism: 100, capacity: undefined, current: 20, suspended: false }, expected: 20 },
    { name: 'lowers the pods when the user lowers spec.execution.parallelism', input: { remaining: 300, maxParallelism: 5, capacity: undefined, current: 20, suspended: false }, expected: 5 },
    { name: 'runs no pod while suspended', input: { remaining: 300, maxParallelism: 100, capacity: undefined, current: 20, suspended: true }, expected: 0 },
    { name: 'runs no new pod when the cluster has no capacity left', input: { remaining: 300, maxParallelism: 100, capacity: 0, current: 0, suspended: false }, expected: 0 },
  ];
  for (const row of table) it(row.name, () => assert.equal(runnerParallelism(row.input), row.expected));
});

describe('decideCampaign', () => {
  const table: {
    name: string;
    observation: CampaignObservation;
    phase: string | undefined;
    condition?: [string, string, string];
    parallelism?: number | 'none';
    ensureQueue?: boolean;
    publishPlan?: boolean;
    event?: string;
  }[] = [
    {
      name: 'waits in Building while the build is not ready and creates no Job',
      observation: observe({ build: build('Building'), progress: undefined }),
      phase: 'Building',
      condition: ['BuildReady', 'False', 'BuildInProgress'],
      parallelism: 'none',
      ensureQueue: false,
    },
    {
      name: 'fails with BuildNotFound when the build does not exist',
      observation: observe({ build: undefined, progress: undefined }),
      phase: 'Failed',
      condition: ['BuildReady', 'False', 'BuildNotFound'],
      parallelism: 'none',
      event: 'BuildNotFound',
    },
    {
      name: 'fails with BuildFailed and the build failure message when the build failed',
      observation: observe({ build: build('Failed'), progress: undefined }),
      phase: 'Failed',
      condition: ['BuildReady', 'False', 'BuildFailed'],
      parallelism: 'none',
      event: 'BuildFailed',
    },
    {
      name: 'prepares the queue, publishes the plan and starts one runner once the build is ready',
      observation: observe({ queueReady: false }),
      phase: 'Planning',
      condition: ['Planned', 'False', 'Planning'],
      parallelism: 1,
      ensureQueue: true,
      publishPlan: true,
    },
    {
      name: 'publishes no second plan after an operator restart when the runs are already planned',
      observation: observe({ queueReady: false, progress: progress({ total: 42, pending: 40, running: 2 }) }),
      phase: 'Running',
      ensureQueue: true,
      publishPlan: false,
      parallelism: 42,
      event: 'Planned',
    },
    {
      name: 'runs with one pod per remaining run once the runner recorded the total',
      observation: observe({ progress: progress({ total: 42, pending: 30, running: 2, succeeded: 10 }), job: { parallelism: 1, active: 1 } }),
      phase: 'Running',
      condition: ['Planned', 'True', 'Planned'],
      parallelism: 32,
    },
    {
      name: 'succeeds when every run succeeded and scales the runners to zero',
      observation: observe({ progress: progress({ total: 42, succeeded: 42 }), job: { parallelism: 42, active: 40 } }),
      phase: 'Succeeded',
      condition: ['Complete', 'True', 'AllRunsSucceeded'],
      parallelism: 0,
      event: 'Completed',
    },
    {
      name: 'fails with "3 of 500 runs failed" when all runs finished and some failed',
      observation: observe({
        progress: progress({ total: 500, succeeded: 497, failed: 3, failedRuns: [{ run: 7, exitCode: 1, reason: 'SimulationError', message: 'x' }] }),
        job: { parallelism: 100, active: 3 },
      }),
      phase: 'Failed',
      condition: ['Failed', 'True', 'RunsFailed'],
      parallelism: 0,
      event: 'Failed',
    },
    {
      name: 'fails with PlanFailed and the OMNeT++ error when run expansion failed',
      observation: observe({ progress: progress({ planError: 'Run expansion failed: <!> Error: No such config: Nope' }), job: { parallelism: 1, active: 1 } }),
      phase: 'Failed',
      condition: ['Planned', 'False', 'PlanFailed'],
      parallelism: 0,
      event: 'PlanFailed',
    },
    {
      name: 'suspends a running campaign: zero runner pods and phase Suspended',
      observation: observe({ campaign: campaign({ suspend: true, status: { phase: 'Running' } }), progress: progress({ total: 42, pending: 40, running: 2 }), job: { parallelism: 42, active: 42 } }),
      phase: 'Suspended',
      condition: ['Progressing', 'False', 'Suspended'],
      parallelism: 0,
      event: 'Suspended',
    },
    {
      name: 'resumes a suspended campaign: runner pods again and phase Running',
      observation: observe({ campaign: campaign({ suspend: false, status: { phase: 'Suspended' } }), progress: progress({ total: 42, pending: 40 }), job: { parallelism: 0, active: 0 } }),
      phase: 'Running',
      parallelism: 40,
      event: 'Resumed',
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      const d = decideCampaign(row.observation);
      assert.equal(d.status?.phase, row.phase);
      if (row.condition) {
        const c = condition(d.status, row.condition[0]);
        assert.deepEqual([c?.type, c?.status, c?.reason], row.condition, JSON.stringify(c));
        assert.equal(c?.lastTransitionTime, '2026-01-01T12:00:00Z');
      }
      if (row.parallelism === 'none') assert.equal(d.job, undefined);
      else if (row.parallelism !== undefined) assert.equal((d.job?.spec as { parallelism?: number } | undefined)?.parallelism, row.parallelism);
      if (row.ensureQueue !== undefined) assert.equal(d.ensureQueue, row.ensureQueue);
      if (row.publishPlan !== undefined) assert.equal(d.publishPlan, row.publishPlan);
      if (row.event) assert.ok(d.events.some((e) => e.reason === row.event), `event ${row.event} in ${JSON.stringify(d.events)}`);
    });
  }

  it('says the phase and the failed count in the message of a campaign whose runs failed', () => {
    const d = decideCampaign(observe({ progress: progress({ total: 500, succeeded: 497, failed: 3 }) }));
    assert.equal(condition(d.status, 'Failed')?.message, '3 of 500 runs failed');
    assert.equal(d.status?.progress, '500/500');
    assert.equal(d.status?.completionTime, '2026-01-01T12:00:00Z');
  });

  it('names the missing build and its namespace in the BuildNotFound message', () => {
    const d = decideCampaign(observe({ build: undefined, progress: undefined }));
    assert.match(condition(d.status, 'BuildReady')?.message ?? '', /InetBuild fixture does not exist in namespace team/);
    assert.equal(d.status?.completionTime, undefined, 'a missing build may still be created: the campaign is not finished');
  });

  it('carries the build failure message into the BuildReady condition', () => {
    const d = decideCampaign(observe({ build: build('Failed'), progress: undefined }));
    assert.match(condition(d.status, 'BuildReady')?.message ?? '', /CompileFailed.*no_such_symbol/);
  });

  it('keeps lastTransitionTime of a condition whose status did not flip', () => {
    const first = decideCampaign(observe({ progress: progress({ total: 42, pending: 42 }) })).status!;
    const later = new Date(now.getTime() + 60_000);
    const second = decideCampaign(observe({ campaign: campaign({ status: first }), now: later, progress: progress({ total: 42, pending: 30, succeeded: 12 }) })).status!;
    assert.equal(condition(second, 'Planned')?.lastTransitionTime, '2026-01-01T12:00:00Z');
    const done = decideCampaign(observe({ campaign: campaign({ status: second }), now: later, progress: progress({ total: 42, succeeded: 42 }) })).status!;
    assert.equal(condition(done, 'Complete')?.lastTransitionTime, '2026-01-01T12:01:00Z');
  });

  it('writes no status when nothing changed', () => {
    const first = decideCampaign(observe({ progress: progress({ total: 42, pending: 42 }) })).status!;
    const again = decideCampaign(observe({ campaign: campaign({ status: first }), progress: progress({ total: 42, pending: 42 }), lastStatusWrite: now }));
    assert.equal(again.status, undefined);
  });

  it('defers a progress-only status change until the status interval passed, and writes a phase change at once', () => {
    const first = decideCampaign(observe({ progress: progress({ total: 42, pending: 42 }) })).status!;
    const soon = new Date(now.getTime() + 500);
    const progressOnly = decideCampaign(observe({ campaign: campaign({ status: first }), now: soon, lastStatusWrite: now, progress: progress({ total: 42, pending: 41, succeeded: 1 }) }));
    assert.equal(progressOnly.status, undefined);
    assert.equal(progressOnly.requeueAfterMs, settings.statusIntervalMs - 500);
    const phaseChange = decideCampaign(observe({ campaign: campaign({ status: first }), now: soon, lastStatusWrite: now, progress: progress({ total: 42, succeeded: 42 }) }));
    assert.equal(phaseChange.status?.phase, 'Succeeded');
  });

  it('polls the progress every status interval while the campaign runs and stops once it is finished', () => {
    assert.equal(decideCampaign(observe({ progress: progress({ total: 42, pending: 42 }) })).requeueAfterMs, settings.statusIntervalMs);
    const done = decideCampaign(observe({ progress: progress({ total: 42, succeeded: 42 }) })).status!;
    const after = decideCampaign(observe({ campaign: campaign({ status: done }), progress: undefined, job: { parallelism: 0, active: 0 } }));
    assert.equal(after.requeueAfterMs, undefined);
    assert.equal(after.status, undefined);
    assert.equal(after.job, undefined);
  });

  it('keeps the status small: at most 20 failed runs with bounded messages, whatever the run count', () => {
    const failedRuns = Array.from({ length: 20 }, (_, i) => ({ run: 99_980 + i, exitCode: 1, reason: 'SimulationError'.repeat(20), message: 'E'.repeat(5000) }));
    const d = decideCampaign(observe({ progress: progress({ total: 100_000, pending: 90_000, running: 100, succeeded: 9_880, failed: 20, failedRuns, etaSeconds: 3600 }) }));
    assert.equal(d.status?.failedRuns?.length, 20);
    const bytes = Buffer.byteLength(JSON.stringify(d.status));
    assert.ok(bytes < 8 * 1024, `status is ${bytes} bytes`);
    assert.equal(d.status?.estimatedCompletionTime, '2026-01-01T13:00:00Z');
  });

  it('gives the same ETA for a re-used progress read, so a later reconcile writes no status', () => {
    const read = progress({ total: 42, pending: 30, succeeded: 12, etaSeconds: 95, readAt: now });
    const first = decideCampaign(observe({ progress: read })).status!;
    assert.equal(first.estimatedCompletionTime, '2026-01-01T12:01:40Z', 'rounded to 10 s');
    const later = decideCampaign(observe({ campaign: campaign({ status: first }), progress: read, now: new Date(now.getTime() + 7000) }));
    assert.equal(later.status, undefined);
  });

  it('adds its finalizer to a new campaign', () => {
    assert.equal(decideCampaign(observe({ campaign: campaign({ finalizers: [] }) })).finalizer, 'add');
  });

  it('removes the queue state and then its finalizer when the campaign is deleted', () => {
    const d = decideCampaign(observe({ campaign: campaign({ deleting: true }) }));
    assert.equal(d.cleanupQueue, true);
    assert.equal(d.finalizer, 'remove');
    assert.equal(d.job, undefined);
  });

  it('shows phase, done/total and runners for kubectl get', () => {
    const d = decideCampaign(observe({ progress: progress({ total: 42, pending: 20, running: 2, succeeded: 18, failed: 2 }), job: { parallelism: 22, active: 22 } }));
    assert.equal(d.status?.progress, '20/42');
    assert.equal(d.status?.runners, 22);
    assert.deepEqual(d.status?.runs, { total: 42, pending: 20, running: 2, succeeded: 18, failed: 2 });
  });
});

describe('runner pods that cannot start', () => {
  const stuck = [{ name: 'aloha-runners-x', waiting: { reason: 'ErrImagePull', message: 'failed to pull image "ghcr.io/inet-swarm/runner:omnetpp-6.1"' } }];
  it('says so in Progressing and with one Warning Event, which a later reconcile does not repeat', () => {
    const first = decideCampaign(observe({ runnerPods: stuck }));
    assert.deepEqual([condition(first.status, 'Progressing')?.status, condition(first.status, 'Progressing')?.reason], ['False', 'RunnerImageUnavailable']);
    assert.match(condition(first.status, 'Ready')?.message ?? '', /Runner pod aloha-runners-x cannot start \(ErrImagePull\): failed to pull image/);
    assert.deepEqual(first.events.map((e) => [e.type, e.reason]), [['Warning', 'RunnerImageUnavailable']]);
    const again = decideCampaign(observe({ campaign: { ...campaign(), status: first.status }, runnerPods: stuck, now: new Date(now.getTime() + 60_000) }));
    assert.deepEqual(again.events, []);
  });
});

describe('runner pods in other trouble', () => {
  const oom = { container: 'runner', reason: 'OOMKilled', exitCode: 137, message: '', restarts: 1 };
  it('reports a runner container killed for its memory once, though the next reconcile sees it again', () => {
    const first = decideCampaign(observe({ runnerPods: [{ name: 'aloha-runners-x', lastTermination: oom }] }));
    assert.deepEqual(first.events.map((e) => [e.type, e.reason]), [['Warning', 'RunnerOOMKilled']]);
    assert.deepEqual(first.incidents, ['aloha-runners-x/runner/1']);
    const again = decideCampaign(observe({ runnerPods: [{ name: 'aloha-runners-x', lastTermination: oom }], reportedIncidents: new Set(first.incidents) }));
    assert.deepEqual(again.events.filter((e) => e.reason === 'RunnerOOMKilled'), []);
  });
  it('reports an evicted pod though the Job replaced it before the reconcile', () => {
    const pods = [{ name: 'aloha-runners-x', evicted: { reason: 'Evicted', message: 'The node was low on resource: memory.' }, finished: true }, { name: 'aloha-runners-y' }];
    const d = decideCampaign(observe({ runnerPods: pods }));
    assert.deepEqual(d.events.map((e) => [e.type, e.reason]), [['Warning', 'RunnerEvicted']]);
    assert.notEqual(condition(d.status, 'Progressing')?.reason, 'RunnerEvicted');
  });
  it('fails the campaign with a Warning Event when the runner Job gave up', () => {
    const d = decideCampaign(observe({ progress: progress({ total: 42, pending: 40, succeeded: 2 }), job: { parallelism: 5, active: 0, failed: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } } }));
    assert.equal(d.status?.phase, 'Failed');
    assert.equal(condition(d.status, 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.deepEqual(d.events.filter((e) => e.type === 'Warning').map((e) => e.reason), ['Failed']);
    assert.equal((d.job as { spec?: { parallelism?: number } } | undefined)?.spec?.parallelism, 0, 'the runner Job is scaled to zero');
  });
});

describe('the namespace of the runners', () => {
  it('is prepared again when its runner Secret or ServiceAccount is missing, though the Job needs no change', () => {
    const d = decideCampaign(observe({ progress: progress({ total: 42, pending: 40 }), job: { parallelism: 40, active: 40 }, namespaceReady: false }));
    assert.equal(d.job, undefined);
    assert.equal(d.prepareNamespace, true);
  });
  it('is left alone while all is there', () => {
    assert.equal(decideCampaign(observe({ progress: progress({ total: 42, pending: 40 }), job: { parallelism: 40, active: 40 }, namespaceReady: true })).prepareNamespace, false);
  });
  it('is not prepared for a finished campaign', () => {
    assert.equal(decideCampaign(observe({ progress: progress({ total: 2, succeeded: 2 }), namespaceReady: false })).prepareNamespace, false);
  });
});

describe('status.lastProgressTime', () => {
  it('is stamped when the runners are first wanted and kept while the counts stand still', () => {
    const first = decideCampaign(observe({ progress: progress({ total: 42, pending: 42 }) }));
    assert.equal(first.status?.lastProgressTime, '2026-01-01T12:00:00Z');
    const later = decideCampaign(observe({ campaign: campaign({ status: first.status }), progress: progress({ total: 42, pending: 42 }), now: new Date(now.getTime() + 120_000), lastStatusWrite: now }));
    assert.equal(later.status, undefined, 'nothing changed, nothing written');
  });
});

describe('runnerJob', () => {
  const job = runnerJob(campaign(), build('Succeeded'), settings, 7) as unknown as {
    metadata: { ownerReferences: { controller: boolean; uid: string }[] };
    spec: { parallelism: number; completions?: number; template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } };
  };
  const pod = job.spec.template.spec;
  const container = pod.containers[0] as { env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { key: string } } }[]; securityContext: Record<string, unknown>; resources: unknown };

  it('is a work-queue Job owned by the campaign: completions unset, parallelism as decided', () => {
    assert.equal(job.spec.parallelism, 7);
    assert.equal(job.spec.completions, undefined);
    assert.deepEqual(job.metadata.ownerReferences.map((r) => [r.uid, r.controller]), [['uid-1', true]]);
  });

  it('runs on the runner pool only, one pod per requested core, non-root with a read-only root filesystem', () => {
    assert.deepEqual(pod.nodeSelector, { 'inetswarm.dev/pool': 'runner' });
    assert.deepEqual(pod.tolerations, [{ key: 'inetswarm.dev/pool', operator: 'Equal', value: 'runner', effect: 'NoSchedule' }]);
    // The campaign's cpu and memory go to the sandbox container, where the simulations run (manifests test).
    assert.deepEqual(container.resources, { requests: { memory: '128Mi' }, limits: { memory: '512Mi' } });
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.runAsNonRoot, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(container.securityContext.capabilities, { drop: ['ALL'] });
    assert.deepEqual(container.securityContext.seccompProfile, { type: 'RuntimeDefault' });
  });

  it('gives the runner program as args, so that the image\'s entrypoint (tini) stays PID 1', () => {
    assert.equal(pod.containers[0]?.command, undefined);
    assert.deepEqual(pod.containers[0]?.args, ['node', 'pods/runner/main.js']);
  });

  it('adds the operator\'s runner node labels and tolerations to the runner pool\'s', () => {
    const toleration = { key: 'inetswarm.dev/test-node', operator: 'Equal', value: 'real', effect: 'NoSchedule' };
    const placedSettings = campaignSettingsFromEnv(
      { INETSWARM_NATS_URL: 'nats://127.0.0.1:4222', INETSWARM_RUNNER_NODE_SELECTOR: '{"inetswarm.dev/test-node":"real"}', INETSWARM_RUNNER_TOLERATIONS: JSON.stringify([toleration]) },
      { uri: 'mongodb://db:27017', database: 'inetswarm' },
      1000,
    );
    const placedPod = (runnerJob(campaign(), build('Succeeded'), placedSettings, 1) as unknown as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
    assert.deepEqual(placedPod.nodeSelector, { 'inetswarm.dev/pool': 'runner', 'inetswarm.dev/test-node': 'real' });
    assert.deepEqual(placedPod.tolerations, [{ key: 'inetswarm.dev/pool', operator: 'Equal', value: 'runner', effect: 'NoSchedule' }, toleration]);
  });

  it('runs as the runner ServiceAccount, which the operator creates without a token', () => {
    assert.deepEqual([pod.serviceAccountName, pod.automountServiceAccountToken], ['inet-swarm-runner', false]);
    const account = podServiceAccount(settings.runnerServiceAccount, 'sims', 'runner') as unknown as { automountServiceAccountToken: boolean; metadata: { namespace: string } };
    assert.deepEqual([account.automountServiceAccountToken, account.metadata.namespace], [false, 'sims']);
  });

  it('takes the credentials from the Secret and never writes them into the pod spec', () => {
    const text = JSON.stringify(job);
    assert.ok(!text.includes(natsSigningSeed) && !text.includes('secret-mongo'), 'no credential in the Job');
    const keys = Object.fromEntries(container.env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, e.valueFrom?.secretKeyRef?.key]));
    assert.deepEqual(keys, { INETSWARM_NATS_CREDS: 'nats-creds', INETSWARM_MONGO_URI: 'mongodb-uri' });
  });

  it('gives the runner an environment it reads back as the campaign', () => {
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? 'from-ref']));
    const config = runnerConfigFromEnv(env);
    assert.equal(config.campaignUid, 'uid-1');
    assert.equal(config.nats.url, 'nats://inet-swarm-nats:4222');
    assert.equal(config.artifact.digest, digest);
    assert.deepEqual(config.simulation, simulationOf(campaign()));
  });

  it('resolves executable, NED path and libraries from workingDir against the artifact root', () => {
    assert.deepEqual(simulationOf(campaign()), {
      executable: 'samples/aloha/aloha',
      workingDir: 'samples/aloha',
      iniFiles: ['omnetpp.ini'],
      config: 'Aloha',
      nedPath: ['src'],
      libraries: ['src/INET'],
    });
    const atRoot = campaign();
    atRoot.spec.workingDir = '.';
    atRoot.spec.simulation = { executable: './oppsim' };
    assert.equal(simulationOf(atRoot).executable, './oppsim');
    atRoot.spec.simulation = {};
    assert.equal(simulationOf(atRoot).executable, 'opp_run');
  });
});

describe('listedFailedRuns', () => {
  const table: { name: string; records: ObservedProgress['failedRuns']; expected: unknown[] }[] = [
    { name: 'leaves out an exit code the run never had and an empty message', records: [{ run: 3, exitCode: null, reason: 'Timeout', message: '' }], expected: [{ run: 3, reason: 'Timeout' }] },
    { name: 'keeps the exit code and the message of a failed run', records: [{ run: 4, exitCode: 1, reason: 'SimulationError', message: 'boom' }], expected: [{ run: 4, exitCode: 1, reason: 'SimulationError', message: 'boom' }] },
    { name: 'clips a long message to 128 characters', records: [{ run: 5, exitCode: 2, reason: 'R', message: 'E'.repeat(500) }], expected: [{ run: 5, exitCode: 2, reason: 'R', message: `${'E'.repeat(127)}…` }] },
  ];
  for (const row of table) it(row.name, () => assert.deepEqual(listedFailedRuns(row.records), row.expected));
  it('lists at most 20 runs', () => assert.equal(listedFailedRuns(Array.from({ length: 30 }, (_, run) => ({ run, exitCode: 1, reason: 'R', message: '' }))).length, 20));
});

describe('estimatedCompletion', () => {
  const table: { name: string; progress: ObservedProgress | undefined; expected: string | undefined }[] = [
    { name: 'has none before the progress is read', progress: undefined, expected: undefined },
    { name: 'has none without an ETA', progress: progress({ total: 3 }), expected: undefined },
    { name: 'counts from now and rounds to 10 s', progress: progress({ etaSeconds: 94 }), expected: '2026-01-01T12:01:30Z' },
    { name: 'counts from the time of the progress read', progress: progress({ etaSeconds: 60, readAt: new Date(now.getTime() - 30_000) }), expected: '2026-01-01T12:00:30Z' },
  ];
  for (const row of table) it(row.name, () => assert.equal(estimatedCompletion(row.progress, now), row.expected));
});

describe('writePlan', () => {
  const running = { phase: 'Running' as const, progress: '1/42' };
  const interval = settings.statusIntervalMs;
  const table: { name: string; old: SimulationCampaignStatus; status: SimulationCampaignStatus; lastWriteMsAgo: number | undefined; polling: boolean; expected: { write: boolean; requeueAfterMs: number | undefined } }[] = [
    { name: 'writes nothing unchanged and polls while the campaign runs', old: running, status: running, lastWriteMsAgo: 100, polling: true, expected: { write: false, requeueAfterMs: interval } },
    { name: 'writes a phase change at once', old: running, status: { ...running, phase: 'Succeeded' }, lastWriteMsAgo: 100, polling: false, expected: { write: true, requeueAfterMs: undefined } },
    { name: 'defers a progress change until the interval passed', old: running, status: { ...running, progress: '2/42' }, lastWriteMsAgo: 300, polling: true, expected: { write: false, requeueAfterMs: interval - 300 } },
    { name: 'writes a progress change once the interval passed', old: running, status: { ...running, progress: '2/42' }, lastWriteMsAgo: interval, polling: true, expected: { write: true, requeueAfterMs: interval } },
    { name: 'writes a change at once after a restart (no write seen yet)', old: running, status: { ...running, progress: '2/42' }, lastWriteMsAgo: undefined, polling: true, expected: { write: true, requeueAfterMs: interval } },
  ];
  for (const row of table) {
    it(row.name, () => {
      const lastStatusWrite = row.lastWriteMsAgo === undefined ? undefined : new Date(now.getTime() - row.lastWriteMsAgo);
      assert.deepEqual(writePlan({ lastStatusWrite, now, settings }, row.old, row.status, row.polling), row.expected);
    });
  }
});
