import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvents, completionTimeOf, decideBuild, READY_BY_PHASE, RESULT_GRACE_MS, startTimeOf, type BuildObservation, type ObservedJob } from '../../operator/controllers/inetbuild/decide.ts';
import { durationSeconds } from '../../lib/time.ts';
import { buildSettings } from '../support/build-settings.ts';
import { parseTerminationMessage, terminationMessage } from '../../lib/store/builds.ts';
import type { InetBuild } from '../../api/v1alpha1.ts';

const settings = buildSettings();
const now = new Date('2026-01-01T12:00:00Z');
const digest = `sha256:${'a'.repeat(64)}`;

function build(overrides: Partial<InetBuild> = {}): InetBuild {
  return {
    apiVersion: 'inetswarm.dev/v1alpha1',
    kind: 'InetBuild',
    metadata: { name: 'fixture', namespace: 'team', uid: 'uid-1', generation: 1 },
    spec: { source: { repository: 'https://example.org/m.git', revision: 'b'.repeat(40) }, omnetpp: { version: '6.1' } },
    ...overrides,
  };
}

function observe(overrides: Partial<BuildObservation> = {}): BuildObservation {
  return { build: build(), job: undefined, pods: [], record: undefined, artifactCheck: { verified: true }, now, settings, storeUri: 'mongodb://tenant-team:pw@mongo:27017/inetswarm_team?authSource=inetswarm_team', ...overrides };
}

const runningJob: ObservedJob = { active: 1, succeeded: 0, failed: 0, conditions: [], startTime: '2026-01-01T11:59:00Z' };

describe('decideBuild', () => {
  const table: { name: string; observation: BuildObservation; phase: string; reason: string; job: boolean; requeue: boolean }[] = [
    { name: 'creates the builder Job of a new build and waits in Pending', observation: observe(), phase: 'Pending', reason: 'Pending', job: true, requeue: true },
    {
      name: 'reports Building while the builder pod runs',
      observation: observe({ job: runningJob, pods: [{ phase: 'Running', startTime: '2026-01-01T11:59:05Z' }] }),
      phase: 'Building',
      reason: 'Building',
      job: true,
      requeue: true,
    },
    {
      name: 'succeeds with the artifact the builder recorded',
      observation: observe({
        job: runningJob,
        record: { _id: 'uid-1', name: 'fixture', namespace: 'team', phase: 'Succeeded', startedAt: now, finishedAt: now, artifact: { digest, size: 10 } },
      }),
      phase: 'Succeeded',
      reason: 'BuildSucceeded',
      job: false,
      requeue: false,
    },
    {
      name: 'fails with the reason the builder recorded',
      observation: observe({
        record: { _id: 'uid-1', name: 'fixture', namespace: 'team', phase: 'Failed', startedAt: now, failure: { reason: 'CompileFailed', message: 'make failed', logTail: 'error: x' } },
      }),
      phase: 'Failed',
      reason: 'CompileFailed',
      job: false,
      requeue: false,
    },
    {
      name: 'takes the result from the termination message when no record is visible',
      observation: observe({
        pods: [{ phase: 'Failed', terminationMessage: terminationMessage({ phase: 'Failed', failure: { reason: 'RevisionNotFound', message: 'no such commit' } }) }],
      }),
      phase: 'Failed',
      reason: 'RevisionNotFound',
      job: false,
      requeue: false,
    },
    {
      name: 'fails with Timeout when the Job hit its deadline',
      observation: observe({ job: { ...runningJob, active: 0, failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }] } }),
      phase: 'Failed',
      reason: 'Timeout',
      job: false,
      requeue: false,
    },
    {
      name: 'fails when the builder image cannot be pulled',
      observation: observe({ job: runningJob, pods: [{ phase: 'Pending', containerReason: 'ImagePullBackOff', containerMessage: 'not found' }] }),
      phase: 'Failed',
      reason: 'BuilderImageUnavailable',
      job: false,
      requeue: false,
    },
    {
      name: 'keeps waiting for the record shortly after the Job completed',
      observation: observe({ job: { ...runningJob, active: 0, succeeded: 1, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: '2026-01-01T11:59:30Z' }] }, pods: [{ phase: 'Succeeded' }] }),
      phase: 'Building',
      reason: 'Building',
      job: true,
      requeue: true,
    },
    {
      name: 'fails with NoResult when a completed Job recorded nothing for long',
      observation: observe({
        job: { ...runningJob, active: 0, succeeded: 1, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: new Date(now.getTime() - RESULT_GRACE_MS).toISOString() }] },
      }),
      phase: 'Failed',
      reason: 'NoResult',
      job: false,
      requeue: false,
    },
  ];
  for (const { name, observation, phase, reason, job, requeue } of table) {
    it(name, () => {
      const decision = decideBuild(observation);
      assert.equal(decision.status?.phase, phase);
      assert.equal(decision.status?.conditions?.find((c) => c.type === 'Ready')?.reason, reason);
      assert.equal(decision.apply.some((m) => m.kind === 'Job'), job);
      assert.equal(decision.requeueAfterMs !== undefined, requeue);
    });
  }

  it('always applies the namespace MongoDB Secret, pod ServiceAccount, distcc DaemonSet and headless Service', () => {
    const kinds = decideBuild(observe()).apply.map((m) => `${m.kind}/${m.metadata.name}`);
    assert.deepEqual(kinds.slice(0, 4), ['Secret/inet-swarm-mongodb', 'ServiceAccount/inet-swarm-builder', 'DaemonSet/inet-swarm-distcc', 'Service/inet-swarm-distcc']);
    const service = decideBuild(observe()).apply[3] as unknown as { spec: { clusterIP: string } };
    assert.equal(service.spec.clusterIP, 'None');
  });

  it('runs builder and distccd pods as a ServiceAccount that mounts no token', () => {
    const apply = decideBuild(observe()).apply;
    const account = apply.find((m) => m.kind === 'ServiceAccount') as unknown as { automountServiceAccountToken: boolean };
    assert.equal(account.automountServiceAccountToken, false);
    const podSpecs = apply
      .filter((m) => m.kind === 'DaemonSet' || m.kind === 'Job')
      .map((m) => (m as unknown as { spec: { template: { spec: { serviceAccountName: string; automountServiceAccountToken: boolean } } } }).spec.template.spec);
    assert.equal(podSpecs.length, 2, 'the DaemonSet and the builder Job');
    for (const pod of podSpecs) assert.deepEqual([pod.serviceAccountName, pod.automountServiceAccountToken], ['inet-swarm-builder', false]);
  });

  it('starts the builder and distccd programs as args, so that the images\' entrypoint (tini) stays PID 1', () => {
    const containers = decideBuild(observe())
      .apply.filter((m) => m.kind === 'DaemonSet' || m.kind === 'Job')
      .map((m) => (m as unknown as { spec: { template: { spec: { containers: { command?: string[]; args?: string[] }[] } } } }).spec.template.spec.containers[0]);
    assert.deepEqual(containers.map((c) => c?.command), [undefined, undefined]);
    assert.deepEqual(containers[1]?.args, ['node', 'pods/builder/main.js']);
  });

  it('adds the operator\'s builder node labels and tolerations to builder and distccd pods', () => {
    const toleration = { key: 'inetswarm.dev/test-node', operator: 'Exists', effect: 'NoSchedule' };
    const placedSettings = buildSettings({ placement: { nodeSelector: { 'inetswarm.dev/test-node': 'real' }, tolerations: [toleration] } });
    const pods = decideBuild(observe({ settings: placedSettings }))
      .apply.filter((m) => m.kind === 'DaemonSet' || m.kind === 'Job')
      .map((m) => (m as unknown as { spec: { template: { spec: { nodeSelector?: unknown; tolerations?: unknown[] } } } }).spec.template.spec);
    const pool = { key: 'inetswarm.dev/pool', operator: 'Equal', value: 'runner', effect: 'NoSchedule' };
    assert.deepEqual(pods.map((p) => [p.nodeSelector, p.tolerations]), [
      [{ 'inetswarm.dev/test-node': 'real' }, [pool, toleration]],
      [{ 'inetswarm.dev/pool': 'runner', 'inetswarm.dev/test-node': 'real' }, [pool, toleration]],
    ]);
  });

  it('sends the builder pod to the runner pool, whose nodes the capacity manager starts for its cores', () => {
    const job = decideBuild(observe()).apply.find((m) => m.kind === 'Job') as unknown as { spec: { template: { spec: Record<string, unknown> } } };
    assert.deepEqual(
      [job.spec.template.spec.nodeSelector, job.spec.template.spec.tolerations],
      [{ 'inetswarm.dev/pool': 'runner' }, [{ key: 'inetswarm.dev/pool', operator: 'Equal', value: 'runner', effect: 'NoSchedule' }]],
    );
  });

  it('writes no status when nothing changed', () => {
    const first = decideBuild(observe());
    const second = decideBuild(observe({ build: { ...build(), status: first.status }, now: new Date(now.getTime() + 60_000) }));
    assert.equal(second.status, undefined);
  });

  it('keeps lastTransitionTime while Ready stays False and moves it when Ready flips', () => {
    const pending = decideBuild(observe()).status;
    const building = decideBuild(observe({ build: { ...build(), status: pending }, pods: [{ phase: 'Running' }], now: new Date(now.getTime() + 5000) })).status;
    assert.equal(building?.conditions?.[0]?.lastTransitionTime, pending?.conditions?.[0]?.lastTransitionTime);
    const later = new Date(now.getTime() + 60_000);
    const done = decideBuild(
      observe({
        build: { ...build(), status: building },
        now: later,
        record: { _id: 'uid-1', name: 'fixture', namespace: 'team', phase: 'Succeeded', startedAt: now, artifact: { digest, size: 1 } },
      }),
    ).status;
    assert.equal(done?.conditions?.[0]?.lastTransitionTime, '2026-01-01T12:01:00Z');
    assert.equal(done?.conditions?.[0]?.status, 'True');
  });

  it('never changes a finished build again', () => {
    const failed = decideBuild(
      observe({ record: { _id: 'uid-1', name: 'fixture', namespace: 'team', phase: 'Failed', startedAt: now, failure: { reason: 'CompileFailed', message: 'x' } } }),
    ).status;
    const again = decideBuild(observe({ build: { ...build(), status: failed }, job: runningJob, pods: [{ phase: 'Running' }] }));
    assert.equal(again.status, undefined);
    assert.equal(again.apply.some((m) => m.kind === 'Job'), false);
  });

  it('emits a Warning event with the reason only when the build turns Failed', () => {
    const observation = observe({ record: { _id: 'uid-1', name: 'fixture', namespace: 'team', phase: 'Failed', startedAt: now, failure: { reason: 'CompileFailed', message: 'x' } } });
    const decision = decideBuild(observation);
    assert.deepEqual(decision.events.map((e) => [e.type, e.reason]), [['Warning', 'CompileFailed']]);
    assert.deepEqual(decideBuild({ ...observation, build: { ...build(), status: decision.status } }).events, []);
  });

  it('mounts clone credentials from the named Secret and never puts them in the environment', () => {
    const withSecret = build({ spec: { ...build().spec, source: { ...build().spec.source, credentialsSecretRef: { name: 'git-token' } } } });
    const job = decideBuild(observe({ build: withSecret })).apply.find((m) => m.kind === 'Job') as unknown as {
      spec: { template: { spec: { volumes: { name: string; secret?: { secretName: string } }[]; containers: { env: { name: string; value?: string; valueFrom?: unknown }[]; securityContext: { readOnlyRootFilesystem: boolean; runAsNonRoot: boolean } }[] } } };
    };
    const pod = job.spec.template.spec;
    assert.equal(pod.volumes.find((v) => v.name === 'git-credentials')?.secret?.secretName, 'git-token');
    const env = pod.containers[0]?.env ?? [];
    assert.equal(env.some((e) => (e.value ?? '').includes('git-token') && e.name !== 'INETSWARM_GIT_CREDENTIALS_DIR'), false);
    assert.deepEqual(env.find((e) => e.name === 'INETSWARM_MONGO_URI')?.valueFrom, { secretKeyRef: { name: 'inet-swarm-mongodb', key: 'uri' } });
    assert.equal(pod.containers[0]?.securityContext.readOnlyRootFilesystem, true);
    assert.equal(pod.containers[0]?.securityContext.runAsNonRoot, true);
  });
});

describe('durationSeconds', () => {
  const table: [string | undefined, number][] = [
    ['2h', 7200],
    ['45m', 2700],
    ['1h30m', 5400],
    ['90s', 90],
    ['bogus', 42],
    [undefined, 42],
  ];
  for (const [text, expected] of table) {
    it(`reads ${String(text)} as ${expected} s`, () => assert.equal(durationSeconds(text, 42), expected));
  }
});

describe('terminationMessage', () => {
  it('fits a failure with a huge log tail into 4096 bytes and keeps its last lines', () => {
    const logTail = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n');
    const text = terminationMessage({ phase: 'Failed', failure: { reason: 'CompileFailed', message: 'make failed', logTail } });
    assert.ok(Buffer.byteLength(text) <= 4096);
    const parsed = parseTerminationMessage(text);
    assert.equal(parsed?.phase, 'Failed');
    assert.ok(parsed?.phase === 'Failed' && parsed.failure.logTail?.endsWith('line 1999'));
  });

  it('reads back a success', () => {
    assert.deepEqual(parseTerminationMessage(terminationMessage({ phase: 'Succeeded', artifact: { digest, size: 5 } })), {
      phase: 'Succeeded',
      artifact: { digest, size: 5 },
    });
  });

  it('ignores a termination message that is not a result', () => {
    assert.equal(parseTerminationMessage('Segmentation fault'), undefined);
  });
});

describe('READY_BY_PHASE', () => {
  const table: [phase: keyof typeof READY_BY_PHASE, verdict: Parameters<(typeof READY_BY_PHASE)['Failed']>[0], expected: string][] = [
    ['Pending', { phase: 'Pending' }, 'False Pending'],
    ['Building', { phase: 'Building' }, 'False Building'],
    ['Succeeded', { phase: 'Succeeded', artifact: { digest } }, 'True BuildSucceeded'],
    ['Failed', { phase: 'Failed', failure: { reason: 'CompileFailed', message: 'x' } }, 'False CompileFailed'],
    ['Failed', { phase: 'Failed' }, 'False BuildFailed'],
  ];
  for (const [phase, verdict, expected] of table) {
    it(`makes Ready ${expected} for ${phase}${verdict.failure ? ` (${verdict.failure.reason})` : ''}`, () => {
      const ready = READY_BY_PHASE[phase](verdict);
      assert.equal(`${ready.status} ${ready.reason}`, expected);
    });
  }
});

describe('buildEvents', () => {
  const table: { name: string; old: 'Pending' | 'Building' | undefined; verdict: Parameters<typeof buildEvents>[2]; expected: string[] }[] = [
    { name: 'emits nothing when the phase stays', old: 'Building', verdict: { phase: 'Building' }, expected: [] },
    { name: 'emits nothing for a new build that waits', old: undefined, verdict: { phase: 'Pending' }, expected: [] },
    { name: 'emits BuildStarted when the build starts', old: 'Pending', verdict: { phase: 'Building' }, expected: ['Normal BuildStarted'] },
    { name: 'emits BuildSucceeded when it succeeds', old: 'Building', verdict: { phase: 'Succeeded', artifact: { digest } }, expected: ['Normal BuildSucceeded'] },
    { name: 'emits a Warning with the failure reason when it fails', old: 'Building', verdict: { phase: 'Failed', failure: { reason: 'Timeout', message: 'x' } }, expected: ['Warning Timeout'] },
  ];
  for (const row of table) it(row.name, () => assert.deepEqual(buildEvents(build(), row.old, row.verdict, 'bbbbbbbbbbbb').map((e) => `${e.type} ${e.reason}`), row.expected));
});

describe('startTimeOf and completionTimeOf', () => {
  const record = { _id: 'uid-1', name: 'fixture', namespace: 'team', phase: 'Succeeded' as const, startedAt: new Date('2026-01-01T11:00:00.400Z'), finishedAt: new Date('2026-01-01T11:30:00.900Z') };
  it('keeps the start time first noted', () => assert.equal(startTimeOf(observe({ build: build({ status: { startTime: '2026-01-01T10:00:00Z' } }), record })), '2026-01-01T10:00:00Z'));
  it('takes the start from the record, then the Job, then a pod', () => {
    assert.equal(startTimeOf(observe({ record, job: runningJob })), '2026-01-01T11:00:00Z');
    assert.equal(startTimeOf(observe({ job: runningJob, pods: [{ phase: 'Running', startTime: '2026-01-01T11:59:30Z' }] })), '2026-01-01T11:59:00Z');
    assert.equal(startTimeOf(observe({ pods: [{ phase: 'Running', startTime: '2026-01-01T11:59:30Z' }] })), '2026-01-01T11:59:30Z');
  });
  it('finishes when the builder recorded it, else now', () => {
    assert.equal(completionTimeOf(observe({ record })), '2026-01-01T11:30:00Z');
    assert.equal(completionTimeOf(observe()), '2026-01-01T12:00:00Z');
  });
});
