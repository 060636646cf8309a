import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffMs, decideAttempt, OUTCOME_TABLE, type AttemptDecision, type AttemptOutcome, type RetryPolicy } from '../../lib/engine/decide.ts';

const policy: RetryPolicy = { maxAttempts: 3, retrySimulationErrors: false, backoffBaseMs: 1000, backoffMaxMs: 8000 };
const retrySim: RetryPolicy = { ...policy, retrySimulationErrors: true };

describe('decideAttempt', () => {
  const cases: Array<[string, AttemptOutcome, number, RetryPolicy, AttemptDecision]> = [
    ['acks a succeeded run', { kind: 'succeeded' }, 1, policy, { action: 'ack', runStatus: 'succeeded', reason: 'Succeeded' }],
    ['fails a simulation error at once without retrying', { kind: 'simulation-error' }, 1, policy, { action: 'term', runStatus: 'failed', reason: 'SimulationError' }],
    ['retries a simulation error when the policy says so', { kind: 'simulation-error' }, 1, retrySim, { action: 'nak', delayMs: 1000, runStatus: 'pending', reason: 'SimulationError' }],
    ['fails a retried simulation error after the last attempt', { kind: 'simulation-error' }, 3, retrySim, { action: 'term', runStatus: 'failed', reason: 'SimulationError' }],
    ['retries a crash with backoff', { kind: 'crashed', signal: 'SIGSEGV' }, 1, policy, { action: 'nak', delayMs: 1000, runStatus: 'pending', reason: 'Crashed' }],
    ['doubles the backoff on the second crash', { kind: 'crashed', signal: 'SIGSEGV' }, 2, policy, { action: 'nak', delayMs: 2000, runStatus: 'pending', reason: 'Crashed' }],
    ['fails a crash after the last attempt', { kind: 'crashed', signal: 'SIGSEGV' }, 3, policy, { action: 'term', runStatus: 'failed', reason: 'Crashed' }],
    ['calls an unexplained SIGKILL an OOM kill', { kind: 'crashed', signal: 'SIGKILL' }, 3, policy, { action: 'term', runStatus: 'failed', reason: 'OOMKilled' }],
    ['retries a timeout', { kind: 'timed-out', signal: 'SIGTERM' }, 1, policy, { action: 'nak', delayMs: 1000, runStatus: 'pending', reason: 'TimedOut' }],
    ['fails a timeout after the last attempt', { kind: 'timed-out' }, 3, policy, { action: 'term', runStatus: 'failed', reason: 'TimedOut' }],
    ['retries a failed spawn', { kind: 'spawn-failed' }, 2, policy, { action: 'nak', delayMs: 2000, runStatus: 'pending', reason: 'SpawnFailed' }],
    ['retries a failed upload', { kind: 'upload-failed' }, 1, policy, { action: 'nak', delayMs: 1000, runStatus: 'pending', reason: 'UploadFailed' }],
    ['fails an upload failure after the last attempt', { kind: 'upload-failed' }, 3, policy, { action: 'term', runStatus: 'failed', reason: 'UploadFailed' }],
    [
      'waits for a full store without counting the attempt, even after the last one',
      { kind: 'store-full' },
      3,
      policy,
      { action: 'nak', delayMs: 60_000, runStatus: 'pending', reason: 'StoreFull', refundAttempt: true },
    ],
    [
      'hands back an interrupted run at once without counting the attempt',
      { kind: 'interrupted' },
      3,
      policy,
      { action: 'nak', delayMs: 0, runStatus: 'pending', reason: 'Interrupted', refundAttempt: true },
    ],
    ['retries a run signalled from outside, counting the attempt', { kind: 'signalled' }, 1, policy, { action: 'nak', delayMs: 1000, runStatus: 'pending', reason: 'Interrupted' }],
    ['fails a run that keeps exiting 2 after the last attempt', { kind: 'signalled' }, 3, policy, { action: 'term', runStatus: 'failed', reason: 'Interrupted' }],
    ['fails at once when only one attempt is allowed', { kind: 'crashed' }, 1, { ...policy, maxAttempts: 1 }, { action: 'term', runStatus: 'failed', reason: 'Crashed' }],
  ];
  for (const [name, outcome, attempt, p, expected] of cases) {
    it(name, () => assert.deepEqual(decideAttempt(outcome, attempt, p), expected));
  }
});

describe('backoffMs', () => {
  const cases: Array<[number, number]> = [
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [10, 8000],
  ];
  for (const [attempt, delay] of cases) {
    it(`waits ${delay} ms after attempt ${attempt}, capped at the maximum`, () => assert.equal(backoffMs(attempt, policy), delay));
  }
  it('defaults to one second doubling up to a minute', () => {
    assert.equal(backoffMs(1, { maxAttempts: 3, retrySimulationErrors: false }), 1000);
    assert.equal(backoffMs(20, { maxAttempts: 3, retrySimulationErrors: false }), 60_000);
  });
});

describe('results over the run\'s limits', () => {
  it('fail the run at once, even when simulation errors are retried', () =>
    assert.deepEqual(decideAttempt({ kind: 'results-too-large' }, 1, { maxAttempts: 3, retrySimulationErrors: true }), { action: 'term', runStatus: 'failed', reason: 'ResultsTooLarge' }));
});

describe('OUTCOME_TABLE', () => {
  const rows: Array<[AttemptOutcome['kind'], string, 'never' | 'backoff' | 'at-once' | 'wait']> = [
    ['succeeded', 'Succeeded', 'never'],
    ['simulation-error', 'SimulationError', 'never'],
    ['crashed', 'Crashed', 'backoff'],
    ['timed-out', 'TimedOut', 'backoff'],
    ['spawn-failed', 'SpawnFailed', 'backoff'],
    ['interrupted', 'Interrupted', 'at-once'],
    ['signalled', 'Interrupted', 'backoff'],
    ['upload-failed', 'UploadFailed', 'backoff'],
    ['results-too-large', 'ResultsTooLarge', 'never'],
    ['store-full', 'StoreFull', 'wait'],
  ];
  it('has one row per outcome', () => assert.deepEqual(Object.keys(OUTCOME_TABLE).sort(), rows.map(([k]) => k).sort()));
  for (const [kind, reason, retry] of rows) {
    const how = { never: 'never tries it again', backoff: 'retries it with backoff', 'at-once': 'hands it back at once', wait: 'hands it back after a long wait' }[retry];
    it(`records ${kind} as ${reason} and ${how}`, () => assert.deepEqual(OUTCOME_TABLE[kind], { reason, retry }));
  }
});
