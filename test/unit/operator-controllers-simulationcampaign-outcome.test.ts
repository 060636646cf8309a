import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InetBuild, SimulationCampaign } from '../../api/v1alpha1.ts';
import {
  OUTCOME_CHECKS,
  allRunsSucceeded,
  buildFailed,
  buildMissing,
  buildNotReady,
  campaignOutcome,
  clip,
  notPlanned,
  planFailed,
  runnersInTrouble,
  runnerJobFailed,
  progressDeadlineExceeded,
  lastProgressTime,
  runsInProgress,
  someRunsFailed,
  type Outcome,
  type OutcomeCheck,
  type OutcomeInput,
} from '../../operator/controllers/simulationcampaign/outcome.ts';

const digest = `sha256:${'a'.repeat(64)}`;

function campaign(suspend = false): SimulationCampaign {
  return {
    apiVersion: 'inetswarm.dev/v1alpha1',
    kind: 'SimulationCampaign',
    metadata: { name: 'aloha', namespace: 'team', uid: 'uid-1' },
    spec: { buildRef: { name: 'fixture' }, config: 'Aloha', ...(suspend ? { suspend } : {}) },
  };
}

function build(phase: 'Pending' | 'Building' | 'Succeeded' | 'Failed', withDigest = phase === 'Succeeded'): InetBuild {
  return {
    apiVersion: 'inetswarm.dev/v1alpha1',
    kind: 'InetBuild',
    metadata: { name: 'fixture', namespace: 'team' },
    spec: { source: { repository: 'https://example.org/m.git', revision: 'b'.repeat(40) } },
    status: {
      phase,
      ...(withDigest ? { artifact: { digest } } : {}),
      ...(phase === 'Failed' ? { failure: { reason: 'CompileFailed', message: 'main.c:3: error' } } : {}),
    },
  };
}

type Progress = NonNullable<OutcomeInput['progress']>;
const runs = (p: Partial<Progress>): Progress => ({ total: undefined, succeeded: 0, failed: 0, planError: undefined, ...p });
const input = (o: Partial<OutcomeInput> & { suspend?: boolean } = {}): OutcomeInput => ({ campaign: campaign(o.suspend), build: build('Succeeded'), progress: runs({}), ...o });

/** An outcome in a line: phase, final, then status/reason of BuildReady, Planned, Progressing, Complete, Failed. */
type Row = [name: string, input: OutcomeInput, expected: string | undefined];
const summary = (o: Outcome | undefined): string | undefined =>
  o && [o.phase, o.final ? 'final' : 'open', ...[o.buildReady, o.planned, o.progressing, o.complete, o.failed].map((c) => `${c.status}/${c.reason}`)].join(' ');

function table(check: OutcomeCheck | ((o: OutcomeInput) => Outcome), rows: Row[]): void {
  for (const [name, o, expected] of rows) it(name, () => assert.equal(summary(check(o)), expected));
}

describe('buildMissing', () => {
  table(buildMissing, [
    ['fails, not for good, when the build does not exist', input({ build: undefined }), 'Failed open False/BuildNotFound Unknown/WaitingForBuild False/BuildNotFound False/BuildNotFound True/BuildNotFound'],
    ['passes when the build exists, whatever its phase', input({ build: build('Pending') }), undefined],
  ]);
  it('names the build and its namespace', () => assert.match(buildMissing(input({ build: undefined }))!.message, /InetBuild fixture does not exist in namespace team/));
});

describe('buildFailed', () => {
  table(buildFailed, [
    ['fails for good when the build failed', input({ build: build('Failed') }), 'Failed final False/BuildFailed False/BuildFailed False/BuildFailed False/BuildFailed True/BuildFailed'],
    ['passes while the build runs', input({ build: build('Building') }), undefined],
    ['passes when the build succeeded', input(), undefined],
  ]);
  it('carries the build failure reason and message', () => assert.equal(buildFailed(input({ build: build('Failed') }))!.message, 'InetBuild fixture failed (CompileFailed): main.c:3: error'));
});

describe('buildNotReady', () => {
  table(buildNotReady, [
    ['waits in Building while the build is pending', input({ build: build('Pending') }), 'Building open False/BuildInProgress Unknown/WaitingForBuild True/WaitingForBuild False/WaitingForBuild False/NoFailure'],
    ['waits in Building while the build runs', input({ build: build('Building') }), 'Building open False/BuildInProgress Unknown/WaitingForBuild True/WaitingForBuild False/WaitingForBuild False/NoFailure'],
    ['waits while a succeeded build has no artifact digest yet', input({ build: build('Succeeded', false) }), 'Building open False/BuildInProgress Unknown/WaitingForBuild True/WaitingForBuild False/WaitingForBuild False/NoFailure'],
    ['passes once the build succeeded with an artifact', input(), undefined],
  ]);
});

describe('planFailed', () => {
  table(planFailed, [
    ['fails for good when run expansion failed', input({ progress: runs({ planError: '<!> Error: No such config: Nope' }) }), 'Failed final True/BuildSucceeded False/PlanFailed False/PlanFailed False/PlanFailed True/PlanFailed'],
    ['passes without a plan error', input({ progress: runs({ total: 3 }) }), undefined],
    ['passes before the progress is read', input({ progress: undefined }), undefined],
  ]);
});

const evicted = { name: 'aloha-runners-a', evicted: { reason: 'Evicted', message: 'The node was low on resource: memory.' }, finished: true };

describe('runnersInTrouble', () => {
  const waiting = (reason: string, message = 'x') => [{ name: 'aloha-runners-a' }, { name: 'aloha-runners-b', waiting: { reason, message } }];
  table(runnersInTrouble, [
    ['stops progressing while planning when a runner image cannot be pulled', input({ runnerPods: waiting('ImagePullBackOff') }), 'Planning open True/BuildSucceeded False/Planning False/RunnerImageUnavailable False/Planning False/NoFailure'],
    ['says the same of an image that may not be pulled and is not on the node', input({ runnerPods: waiting('ErrImageNeverPull') }), 'Planning open True/BuildSucceeded False/Planning False/RunnerImageUnavailable False/Planning False/NoFailure'],
    ['stops progressing while running when a pod names a missing Secret', input({ progress: runs({ total: 42, succeeded: 3 }), runnerPods: waiting('CreateContainerConfigError') }), 'Running open True/BuildSucceeded True/Planned False/RunnerConfigError False/RunsRemaining False/NoFailure'],
    ['passes while a container is only being created', input({ runnerPods: waiting('ContainerCreating') }), undefined],
    ['passes without runner pods', input(), undefined],
    ['passes when suspended', input({ suspend: true, runnerPods: waiting('ErrImagePull') }), undefined],
    ['passes once every run finished', input({ progress: runs({ total: 3, succeeded: 3 }), runnerPods: waiting('ErrImagePull') }), undefined],
    ['stops progressing while a runner container keeps exiting', input({ progress: runs({ total: 42 }), runnerPods: waiting('CrashLoopBackOff') }), 'Running open True/BuildSucceeded True/Planned False/RunnerCrashLoopBackOff False/RunsRemaining False/NoFailure'],
    ['stops progressing when every runner pod was evicted', input({ progress: runs({ total: 42 }), runnerPods: [evicted] }), 'Running open True/BuildSucceeded True/Planned False/RunnerEvicted False/RunsRemaining False/NoFailure'],
    ['passes when an evicted pod was replaced', input({ progress: runs({ total: 42 }), runnerPods: [evicted, { name: 'aloha-runners-c' }] }), undefined],
  ]);
  it('names the pod, the kubelet\'s reason and its message', () => {
    const message = 'secret "inet-swarm-runner" not found';
    assert.equal(runnersInTrouble(input({ runnerPods: waiting('CreateContainerConfigError', message) }))!.message, `Runner pod aloha-runners-b cannot start (CreateContainerConfigError): ${message}`);
  });
});

const jobFailed = { failed: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } };

describe('runnerJobFailed', () => {
  table(runnerJobFailed, [
    ['fails for good with the Job\'s reason when the Job gave up while running', input({ progress: runs({ total: 42, succeeded: 3 }), job: jobFailed }), 'Failed final True/BuildSucceeded True/Planned False/BackoffLimitExceeded False/BackoffLimitExceeded True/BackoffLimitExceeded'],
    ['fails for good when the Job gave up before the plan', input({ job: jobFailed }), 'Failed final True/BuildSucceeded False/BackoffLimitExceeded False/BackoffLimitExceeded False/BackoffLimitExceeded True/BackoffLimitExceeded'],
    ['passes once every run finished', input({ progress: runs({ total: 3, succeeded: 3 }), job: jobFailed }), undefined],
    ['passes while the Job has not failed', input({ progress: runs({ total: 42 }), job: {} }), undefined],
  ]);
  it('quotes the Job\'s reason and message', () =>
    assert.equal(runnerJobFailed(input({ job: jobFailed }))!.message, 'The runner Job failed (BackoffLimitExceeded): Job has reached the specified backoff limit'));
});

const t0 = new Date('2026-12-01T10:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
/** A running campaign whose status says it last progressed at t0 with 3 of 42 runs done. */
function progressedAt0(o: { now: Date; runnerPods?: OutcomeInput['runnerPods']; deadline?: number; succeeded?: number; suspend?: boolean }): OutcomeInput {
  const c = campaign(o.suspend);
  c.spec.execution = o.deadline ? { progressDeadlineSeconds: o.deadline } : {};
  c.status = { lastProgressTime: t0.toISOString().replace('.000', ''), runs: { total: 42, running: 1, succeeded: 3, failed: 0 } };
  return { campaign: c, build: build('Succeeded'), progress: runs({ total: 42, running: 1, succeeded: o.succeeded ?? 3 }), runnerPods: o.runnerPods, now: o.now };
}
const crashing = [{ name: 'aloha-runners-a', waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s', container: 'runner' }, lastTermination: { container: 'runner', reason: 'Error', exitCode: 1, message: 'INETSWARM_NATS_URL must be a nats:// URL', restarts: 7 } }];

describe('progressDeadlineExceeded', () => {
  table(progressDeadlineExceeded, [
    ['fails for good with the trouble\'s reason when runners crash and no run moved for the default 600 s', progressedAt0({ now: at(600), runnerPods: crashing }), 'Failed final True/BuildSucceeded True/Planned False/RunnerCrashLoopBackOff False/RunnerCrashLoopBackOff True/RunnerCrashLoopBackOff'],
    ['passes a second before the deadline', progressedAt0({ now: at(599), runnerPods: crashing }), undefined],
    ['keeps to the campaign\'s own deadline', progressedAt0({ now: at(30), deadline: 30, runnerPods: crashing }), 'Failed final True/BuildSucceeded True/Planned False/RunnerCrashLoopBackOff False/RunnerCrashLoopBackOff True/RunnerCrashLoopBackOff'],
    ['passes however long it has been while the runners are healthy (a long run)', progressedAt0({ now: at(86_400), runnerPods: [{ name: 'aloha-runners-a' }] }), undefined],
    ['passes when a run finished since, even with troubled runners', progressedAt0({ now: at(900), succeeded: 4, runnerPods: crashing }), undefined],
    ['passes while suspended', progressedAt0({ now: at(900), suspend: true, runnerPods: crashing }), undefined],
  ]);
  it('says how long nothing moved, under which field, and what the runners suffer', () =>
    assert.equal(
      progressDeadlineExceeded(progressedAt0({ now: at(600), runnerPods: crashing }))!.message,
      'No run started or finished for 600 s (spec.execution.progressDeadlineSeconds): Runner pod aloha-runners-a: container runner keeps exiting: exit code 1, Error: INETSWARM_NATS_URL must be a nats:// URL',
    ));
});

describe('lastProgressTime', () => {
  it('keeps the time of the last progress while the counts stand still', () => assert.equal(lastProgressTime(progressedAt0({ now: at(300) })), '2026-12-01T10:00:00Z'));
  it('moves to now when a run finished', () => assert.equal(lastProgressTime(progressedAt0({ now: at(300), succeeded: 4 })), '2026-12-01T10:05:00Z'));
  it('starts at now when the campaign had none', () => assert.equal(lastProgressTime(input({ now: at(60) })), '2026-12-01T10:01:00Z'));
  it('is absent while suspended, so that a resume starts the deadline afresh', () => assert.equal(lastProgressTime(progressedAt0({ now: at(300), suspend: true })), undefined));
});

describe('notPlanned', () => {
  table(notPlanned, [
    ['plans while no runner recorded the total', input(), 'Planning open True/BuildSucceeded False/Planning True/Planning False/Planning False/NoFailure'],
    ['is Suspended, not progressing, when suspended before the plan', input({ suspend: true }), 'Suspended open True/BuildSucceeded False/Planning False/Suspended False/Planning False/NoFailure'],
    ['passes once the total is known', input({ progress: runs({ total: 3 }) }), undefined],
  ]);
});

describe('allRunsSucceeded', () => {
  table(allRunsSucceeded, [
    ['succeeds for good when every run succeeded', input({ progress: runs({ total: 3, succeeded: 3 }) }), 'Succeeded final True/BuildSucceeded True/Planned False/Completed True/AllRunsSucceeded False/NoFailure'],
    ['passes while runs remain', input({ progress: runs({ total: 3, succeeded: 2 }) }), undefined],
    ['passes when a run failed', input({ progress: runs({ total: 3, succeeded: 2, failed: 1 }) }), undefined],
    ['passes before the total is known', input(), undefined],
  ]);
});

describe('someRunsFailed', () => {
  table(someRunsFailed, [
    ['fails for good when all runs finished and some failed', input({ progress: runs({ total: 500, succeeded: 497, failed: 3 }) }), 'Failed final True/BuildSucceeded True/Planned False/Completed True/RunsFailed True/RunsFailed'],
    ['passes while runs remain, even with failures', input({ progress: runs({ total: 500, succeeded: 400, failed: 3 }) }), undefined],
    ['passes when no run failed', input({ progress: runs({ total: 3, succeeded: 3 }) }), undefined],
  ]);
  it('says how many of how many failed', () => assert.equal(someRunsFailed(input({ progress: runs({ total: 500, succeeded: 497, failed: 3 }) }))!.message, '3 of 500 runs failed'));
});

describe('runsInProgress', () => {
  table(runsInProgress, [
    ['runs while runs remain', input({ progress: runs({ total: 42, succeeded: 10 }) }), 'Running open True/BuildSucceeded True/Planned True/RunsInProgress False/RunsRemaining False/NoFailure'],
    ['notes failures so far without failing', input({ progress: runs({ total: 42, succeeded: 10, failed: 2 }) }), 'Running open True/BuildSucceeded True/Planned True/RunsInProgress False/RunsRemaining False/RunsFailing'],
    ['is Suspended, not progressing, when suspended', input({ suspend: true, progress: runs({ total: 42 }) }), 'Suspended open True/BuildSucceeded True/Planned False/Suspended False/RunsRemaining False/NoFailure'],
  ]);
  it('counts the finished runs in its message', () => assert.equal(runsInProgress(input({ progress: runs({ total: 42, succeeded: 10, failed: 2 }) })).message, '12 of 42 runs finished, 2 failed'));
});

describe('campaignOutcome', () => {
  it('asks the checks in the order of a campaign life: build, plan, runs', () => {
    assert.deepEqual(OUTCOME_CHECKS, [buildMissing, buildFailed, buildNotReady, planFailed, runnerJobFailed, progressDeadlineExceeded, runnersInTrouble, notPlanned, allRunsSucceeded, someRunsFailed]);
  });
  table(campaignOutcome, [
    ['a missing build wins over everything else', input({ build: undefined, progress: runs({ planError: 'x' }) }), summary(buildMissing(input({ build: undefined })))],
    ['a failed build wins over a plan error', input({ build: build('Failed'), progress: runs({ planError: 'x' }) }), summary(buildFailed(input({ build: build('Failed') })))],
    ['a plan error wins over the runs', input({ progress: runs({ planError: 'x', total: 3, succeeded: 3 }) }), summary(planFailed(input({ progress: runs({ planError: 'x' }) })))],
    ['runs in progress when every check passed', input({ progress: runs({ total: 3, succeeded: 1 }) }), summary(runsInProgress(input({ progress: runs({ total: 3, succeeded: 1 }) })))],
  ]);
});

describe('clip', () => {
  const table: [string, number, string][] = [
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['eleven char', 10, 'eleven ch…'],
  ];
  for (const [text, limit, expected] of table) it(`clips ${JSON.stringify(text)} to ${limit} characters as ${JSON.stringify(expected)}`, () => assert.equal(clip(text, limit), expected));
});
