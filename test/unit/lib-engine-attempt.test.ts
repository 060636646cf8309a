import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { concludeAttempt, describeOutcome, interruptedBy, nextAttempt, Tails, type Settlement } from '../../lib/engine/attempt.ts';
import type { AttemptDecision, RetryPolicy } from '../../lib/engine/decide.ts';
import { ResultsTooLargeError } from '../../lib/errors.ts';
import type { RunOutcome } from '../../lib/engine/simulate.ts';

const policy: RetryPolicy = { maxAttempts: 3, retrySimulationErrors: false, backoffBaseMs: 1000, backoffMaxMs: 8000 };

function outcome(kind: RunOutcome['kind'], extra: Partial<RunOutcome> = {}): RunOutcome {
  return { kind, exitCode: kind === 'succeeded' ? 0 : 1, signal: null, elapsedMs: 5, outputTail: '', ...extra };
}

const aborted = AbortSignal.abort();
const running = new AbortController().signal;

describe('interruptedBy', () => {
  const cases: Array<[string, AbortSignal, RunOutcome, RunOutcome['kind']]> = [
    ['calls a crash after the stop request interrupted', aborted, outcome('crashed'), 'interrupted'],
    ['calls a simulation error after the stop request interrupted', aborted, outcome('simulation-error'), 'interrupted'],
    ['keeps a success that finished although the attempt was told to stop', aborted, outcome('succeeded'), 'succeeded'],
    ['keeps a crash of an attempt nobody stopped', running, outcome('crashed'), 'crashed'],
  ];
  for (const [name, signal, given, kind] of cases) it(name, () => assert.equal(interruptedBy(signal, given).kind, kind));

  it('returns the outcome itself when nothing changes', () => {
    const given = outcome('timed-out');
    assert.equal(interruptedBy(running, given), given);
  });
});

describe('concludeAttempt', () => {
  const keepNothing = async () => undefined;
  const cases: Array<[string, RunOutcome, number, () => Promise<void>, Partial<Settlement>]> = [
    ['acks a success whose results were kept', outcome('succeeded'), 1, keepNothing, { action: 'ack', reason: 'Succeeded', message: '' }],
    [
      'retries a success whose results could not be kept as an upload failure',
      outcome('succeeded'),
      1,
      async () => Promise.reject(new Error('disk full')),
      { action: 'nak', reason: 'UploadFailed', delayMs: 1000, outcome: { kind: 'upload-failed' }, message: 'storing the results failed: disk full' },
    ],
    [
      'fails a success whose results are over the run\'s limits, with the limit as the message, without retrying it',
      outcome('succeeded'),
      1,
      async () => Promise.reject(new ResultsTooLargeError('the run left more than 4 files')),
      { action: 'term', runStatus: 'failed', reason: 'ResultsTooLarge', outcome: { kind: 'results-too-large' }, message: 'the run left more than 4 files' },
    ],
    [
      'fails a simulation error with its error line as the message',
      outcome('simulation-error', { errorLine: 'Network `X` not found' }),
      1,
      keepNothing,
      { action: 'term', reason: 'SimulationError', message: 'Network `X` not found' },
    ],
    ['retries a crash with backoff', outcome('crashed', { signal: 'SIGSEGV', exitCode: null }), 2, keepNothing, { action: 'nak', delayMs: 2000, reason: 'Crashed', message: 'killed by SIGSEGV' }],
  ];
  for (const [name, given, attempt, keep, expected] of cases) {
    it(name, async () => {
      const got = await concludeAttempt(given, attempt, policy, keep);
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(got[key as keyof Settlement], value, key);
    });
  }

  it('keeps the results of a success only', async () => {
    let kept = 0;
    await concludeAttempt(outcome('crashed'), 1, policy, async () => void (kept += 1));
    await concludeAttempt(outcome('succeeded'), 1, policy, async () => void (kept += 1));
    assert.equal(kept, 1);
  });
});

describe('nextAttempt', () => {
  const nak: AttemptDecision = { action: 'nak', delayMs: 1000, runStatus: 'pending', reason: 'Crashed' };
  it('counts a retried attempt', () => assert.equal(nextAttempt(nak, 2), 3));
  it('gives a refunded attempt back', () => assert.equal(nextAttempt({ ...nak, reason: 'Interrupted', refundAttempt: true }, 2), 2));
});

describe('describeOutcome', () => {
  const cases: Array<[string, RunOutcome, string]> = [
    ['prefers the error line', outcome('crashed', { errorLine: 'boom' }), 'boom'],
    ['says nothing about a success', outcome('succeeded'), ''],
    ['names the signal of a crash', outcome('crashed', { signal: 'SIGSEGV' }), 'killed by SIGSEGV'],
    ['names the exit code of a silent crash', outcome('crashed', { exitCode: 3 }), 'exited with code 3 without an error message'],
    ['says a run timed out', outcome('timed-out'), 'exceeded the run timeout'],
    ['says a run was interrupted', outcome('interrupted'), 'interrupted by runner shutdown'],
    ['names any other kind', outcome('spawn-failed'), 'spawn-failed'],
  ];
  for (const [name, given, expected] of cases) it(name, () => assert.equal(describeOutcome(given), expected));
});

describe('Tails', () => {
  it('waits until fewer than the limit are in flight', async () => {
    const tails = new Tails();
    const order: string[] = [];
    tails.add(sleep(20).then(() => void order.push('first')));
    tails.add(sleep(40).then(() => void order.push('second')));
    await tails.below(2);
    order.push('below');
    await tails.all();
    assert.deepEqual(order, ['first', 'below', 'second']);
  });

  it('does not wait when there is room', async () => {
    const tails = new Tails();
    // A tail that never ends: below() could only return by not waiting for it.
    tails.add(new Promise<void>(() => undefined));
    await tails.below(2);
  });
});
