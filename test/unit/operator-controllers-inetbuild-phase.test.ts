import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BUILD_CHECKS,
  RESULT_GRACE_MS,
  alreadyFinished,
  buildVerdict,
  completedWithoutResult,
  imageUnavailable,
  inProgress,
  jobFailed,
  resultRecorded,
  type BuildCheck,
  type BuildVerdict,
  type ObservedJob,
  type PhaseInput,
} from '../../operator/controllers/inetbuild/phase.ts';
import { terminationMessage, type BuildRecord } from '../../lib/store/builds.ts';
import type { InetBuild, InetBuildStatus } from '../../api/v1alpha1.ts';

const now = new Date('2026-01-01T12:00:00Z');
const digest = `sha256:${'a'.repeat(64)}`;

function build(status?: InetBuildStatus): InetBuild {
  return {
    apiVersion: 'inetswarm.dev/v1alpha1',
    kind: 'InetBuild',
    metadata: { name: 'fixture', namespace: 'team', uid: 'uid-1' },
    spec: { source: { repository: 'https://example.org/m.git', revision: 'b'.repeat(40) }, builder: { timeout: '30m' } },
    ...(status ? { status } : {}),
  };
}

// The operator's own check of a claimed artifact passed, unless a row says otherwise.
const input = (o: Partial<PhaseInput> = {}): PhaseInput => ({ build: build(), job: undefined, pods: [], record: undefined, artifactCheck: { verified: true }, now, ...o });
const job = (type: string, extra: Partial<ObservedJob['conditions'][number]> = {}): ObservedJob => ({
  active: 0,
  succeeded: 0,
  failed: 0,
  conditions: [{ type, status: 'True', ...extra }],
});
const record = (r: Partial<BuildRecord>): BuildRecord => ({ _id: 'uid-1', name: 'fixture', namespace: 'team', phase: 'Building', startedAt: now, ...r });
const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString();

/** A verdict in a line: the phase, then the failure's reason or the artifact's digest. */
type Row = [name: string, input: PhaseInput, expected: string | undefined];
const summary = (v: BuildVerdict | undefined): string | undefined => v && [v.phase, v.failure?.reason ?? v.artifact?.digest].filter(Boolean).join(' ');

function table(check: BuildCheck | ((o: PhaseInput) => BuildVerdict), rows: Row[]): void {
  for (const [name, o, expected] of rows) it(name, () => assert.equal(summary(check(o)), expected));
}

describe('alreadyFinished', () => {
  table(alreadyFinished, [
    ['keeps a succeeded build as it is', input({ build: build({ phase: 'Succeeded', artifact: { digest } }), job: job('Failed') }), `Succeeded ${digest}`],
    ['keeps a failed build as it is', input({ build: build({ phase: 'Failed', failure: { reason: 'CompileFailed', message: 'x' } }) }), 'Failed CompileFailed'],
    ['passes a building build', input({ build: build({ phase: 'Building' }) }), undefined],
    ['passes a new build', input(), undefined],
  ]);
});

describe('resultRecorded', () => {
  table(resultRecorded, [
    ['succeeds with the artifact of the record', input({ record: record({ phase: 'Succeeded', artifact: { digest, size: 1 } }) }), `Succeeded ${digest}`],
    ['fails with the failure of the record', input({ record: record({ phase: 'Failed', failure: { reason: 'CloneFailed', message: 'x' } }) }), 'Failed CloneFailed'],
    [
      'falls back on the termination message of a pod',
      input({ pods: [{ phase: 'Failed', terminationMessage: terminationMessage({ phase: 'Failed', failure: { reason: 'CompileFailed', message: 'x' } }) }] }),
      'Failed CompileFailed',
    ],
    ['passes while the record says Building', input({ record: record({}) }), undefined],
    ['passes without record or message', input({ pods: [{ phase: 'Running' }] }), undefined],
    [
      'keeps a claimed success Building until the operator has checked the artifact',
      input({ record: record({ phase: 'Succeeded', artifact: { digest, size: 1 } }), artifactCheck: undefined }),
      'Building',
    ],
    [
      'fails a claimed success whose artifact the operator could not verify',
      input({ record: record({ phase: 'Succeeded', artifact: { digest, size: 1 } }), artifactCheck: { verified: false, problem: 'wrong size' } }),
      'Failed ArtifactUnverified',
    ],
    [
      'fails when the record and the termination message name different artifacts',
      input({
        record: record({ phase: 'Succeeded', artifact: { digest, size: 1 } }),
        pods: [{ phase: 'Succeeded', terminationMessage: terminationMessage({ phase: 'Succeeded', artifact: { digest: `sha256:${'b'.repeat(64)}`, size: 1 } }) }],
      }),
      'Failed ArtifactUnverified',
    ],
  ]);
});

describe('jobFailed', () => {
  table(jobFailed, [
    ['fails with Timeout when the Job ran past its deadline', input({ job: job('Failed', { reason: 'DeadlineExceeded' }) }), 'Failed Timeout'],
    ['fails with OutOfMemory when the builder was OOM-killed', input({ job: job('Failed', { reason: 'BackoffLimitExceeded' }), pods: [{ phase: 'Failed', containerReason: 'OOMKilled' }] }), 'Failed OutOfMemory'],
    ['fails with BuilderFailed otherwise', input({ job: job('Failed', { reason: 'BackoffLimitExceeded' }) }), 'Failed BuilderFailed'],
    ['passes a Job that has not failed', input({ job: job('Complete') }), undefined],
    ['passes without a Job', input(), undefined],
  ]);
  it('names spec.builder.timeout in the message of a timeout', () => assert.match(jobFailed(input({ job: job('Failed', { reason: 'DeadlineExceeded' }) }))!.failure?.message ?? '', /\(30m\)/));
});

describe('imageUnavailable', () => {
  table(imageUnavailable, [
    ['fails when the builder image cannot be pulled', input({ pods: [{ phase: 'Pending', containerReason: 'ImagePullBackOff', containerMessage: 'not found' }] }), 'Failed BuilderImageUnavailable'],
    ['fails when the container cannot be configured', input({ pods: [{ phase: 'Pending', containerReason: 'CreateContainerConfigError' }] }), 'Failed BuilderImageUnavailable'],
    ['passes a pod that is still creating its container', input({ pods: [{ phase: 'Pending', containerReason: 'ContainerCreating' }] }), undefined],
  ]);
});

describe('completedWithoutResult', () => {
  table(completedWithoutResult, [
    ['waits in Building for the record of a just completed Job', input({ job: job('Complete', { lastTransitionTime: ago(1000) }), pods: [{ phase: 'Succeeded' }] }), 'Building'],
    ['waits in Pending when neither a record nor a pod is seen', input({ job: job('Complete', { lastTransitionTime: ago(1000) }) }), 'Pending'],
    ['fails with NoResult once the grace period passed', input({ job: job('Complete', { lastTransitionTime: ago(RESULT_GRACE_MS) }) }), 'Failed NoResult'],
    ['passes a Job that has not completed', input({ job: { active: 1, succeeded: 0, failed: 0, conditions: [] } }), undefined],
  ]);
});

describe('inProgress', () => {
  table(inProgress, [
    ['is Pending before the builder pod runs', input({ pods: [{ phase: 'Pending' }] }), 'Pending'],
    ['is Building while the builder pod runs', input({ pods: [{ phase: 'Running' }] }), 'Building'],
    ['is Building once the builder recorded its start', input({ record: record({}) }), 'Building'],
  ]);
});

describe('buildVerdict', () => {
  it('asks the checks in order: final, recorded result, Job failure, stuck pod, completed Job', () => {
    assert.deepEqual(BUILD_CHECKS, [alreadyFinished, resultRecorded, jobFailed, imageUnavailable, completedWithoutResult]);
  });
  table(buildVerdict, [
    ['a finished build wins over a new result', input({ build: build({ phase: 'Failed', failure: { reason: 'Timeout', message: 'x' } }), record: record({ phase: 'Succeeded', artifact: { digest, size: 1 } }) }), 'Failed Timeout'],
    ['a recorded result wins over a failed Job', input({ job: job('Failed'), record: record({ phase: 'Succeeded', artifact: { digest, size: 1 } }) }), `Succeeded ${digest}`],
    ['in progress when every check passed', input({ pods: [{ phase: 'Running' }] }), 'Building'],
  ]);
});
