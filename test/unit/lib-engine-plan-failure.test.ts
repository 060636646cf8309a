import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermanentError, TemporaryError } from '../../lib/errors.ts';
import { permanentPlanFailure } from '../../lib/engine/plan-failure.ts';

const overflow = (): unknown => {
  try {
    const recurse = (n: number): number => recurse(n + 1) + 1;
    return recurse(0);
  } catch (err) {
    return err;
  }
};
const codeError = (code: string) => Object.assign(new Error(`failed with ${code}`), { code });

describe('permanentPlanFailure: which plan failures fail the campaign', () => {
  const cases: Array<[string, unknown, RegExp | undefined]> = [
    ["fails for OMNeT++'s error or a run list it cannot read", new PermanentError('Run expansion failed: no run lines'), /no run lines/],
    ['fails for a call stack overflow, with its message', overflow(), /too large for the runner: Maximum call stack size exceeded/],
    ['fails for a string past V8\'s longest', new RangeError('Invalid string length'), /too large for the runner: Invalid string length/],
    ['fails for a file too large to read whole', codeError('ERR_FS_FILE_TOO_LARGE'), /too large for the runner: failed with ERR_FS_FILE_TOO_LARGE/],
    ['fails for a string too long to build', codeError('ERR_STRING_TOO_LONG'), /too large for the runner/],
    ['retries a failure the queue or the store marked as passing', new TemporaryError('Publishing run tasks failed after 10 of 20'), undefined],
    ['retries a lost connection', codeError('ECONNRESET'), undefined],
    ['retries what it does not know', new Error('something else'), undefined],
    ['retries a thrown non-error', 'a string', undefined],
  ];
  for (const [name, err, expected] of cases)
    it(name, () => {
      const got = permanentPlanFailure(err);
      if (expected === undefined) assert.equal(got, undefined);
      else assert.match(got ?? '', expected);
    });
});
