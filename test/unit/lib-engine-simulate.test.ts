import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findErrorLine, findErrorReport } from '../../lib/engine/cmdenv-output.ts';
import { decideAttempt, type AttemptDecision, type RetryPolicy } from '../../lib/engine/decide.ts';
import { classify } from '../../lib/engine/simulate.ts';
import { REFERENCE_CASES, type ReferenceCase } from '../fixtures/omnetpp-reference.ts';

const policy: RetryPolicy = { maxAttempts: 3, retrySimulationErrors: false, backoffBaseMs: 1000 };

/** The error line as the engine finds it: on stderr, or in the `.out` file stderr points to. */
function errorLineOf(c: ReferenceCase): string | undefined {
  const report = findErrorReport(c.stderr.join('\n'));
  if (report.errorLine !== undefined || report.pointer === undefined) return report.errorLine;
  const out = c.outLines?.[report.pointer.replace(/^results\//, '')];
  assert.ok(out, `${c.name}: the .out stderr points to was recorded`);
  return findErrorLine(out.join('\n'));
}

const EXPECTED: Record<NonNullable<ReferenceCase['runClass']>, AttemptDecision> = {
  Succeeded: { action: 'ack', runStatus: 'succeeded', reason: 'Succeeded' },
  SimulationError: { action: 'term', runStatus: 'failed', reason: 'SimulationError' },
  Interrupted: { action: 'nak', delayMs: 1000, runStatus: 'pending', reason: 'Interrupted' },
};

describe('each recorded case of real OMNeT++ 6.1 is classed as the failure table says', () => {
  for (const c of REFERENCE_CASES.filter((r) => r.runClass !== undefined)) {
    const runClass = c.runClass!;
    it(`${c.name} (exit ${c.exitCode}) is ${runClass}`, () => {
      const errorLine = errorLineOf(c);
      const outcome = classify({ exitCode: c.exitCode, signal: null }, undefined, errorLine);
      assert.deepEqual(decideAttempt(outcome, 1, policy), EXPECTED[runClass]);
      if (runClass === 'SimulationError') assert.ok(errorLine, 'with its error line');
    });
  }
  it('reads the redirected error line of every redirected error case from its .out', () => {
    const redirected = REFERENCE_CASES.filter((c) => c.runClass === 'SimulationError' && c.stderr.some((l) => l.endsWith('for details')));
    assert.deepEqual(redirected.map((c) => [c.name, errorLineOf(c)?.slice(0, 25)]), [
      ['error-class-not-found-redirect', 'Class "aloha::Server" not'],
      ['error-in-batch-redirect', 'vector::_M_default_append'],
      ['error-setup-redirect', 'vector::_M_default_append'],
      ['silent-error-redirect', 'vector::_M_default_append'],
    ]);
  });
});

describe('classify', () => {
  const exited = (exitCode: number | null, signal: NodeJS.Signals | null = null) => ({ exitCode, signal });
  const cases: Array<[string, ReturnType<typeof classify>['kind'], Parameters<typeof classify>]> = [
    ['exit 2 after a SIGTERM from outside is a signalled run', 'signalled', [exited(2), undefined, undefined]],
    ['exit 2 after our own stop is an interruption', 'interrupted', [exited(2), 'interrupted', undefined]],
    ['exit 2 after our own stop at the timeout is a timeout', 'timed-out', [exited(2), 'timed-out', undefined]],
    ['exit 1 with the error line of a redirected .out is a simulation error', 'simulation-error', [exited(1), undefined, 'vector::_M_default_append']],
    ['exit 3 without an error line is a crash', 'crashed', [exited(3), undefined, undefined]],
  ];
  for (const [name, kind, args] of cases) it(name, () => assert.equal(classify(...args).kind, kind));
});
