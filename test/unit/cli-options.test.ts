import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../cli/errors.ts';
import { parseCount, parseDuration, parseIncludePattern, parseObjectName } from '../../cli/options.ts';

describe('parseDuration', () => {
  const cases: Array<[string, number]> = [
    ['30', 30_000],
    ['0', 0],
    ['1.5', 1500],
    ['500ms', 500],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2m30s', 150_000],
  ];
  for (const [text, ms] of cases) it(`reads ${text} as ${ms} ms`, () => assert.equal(parseDuration(text), ms));

  for (const bad of ['', 'soon', '5x', '-3s', '1h 30m', 's']) {
    it(`rejects ${JSON.stringify(bad)} as a usage error`, () => assert.throws(() => parseDuration(bad, '--run-timeout'), UsageError));
  }
});

describe('parseCount', () => {
  it('reads whole numbers', () => assert.equal(parseCount('16', '-j'), 16));
  for (const bad of ['0', '-1', '2.5', 'four', '']) {
    it(`rejects ${JSON.stringify(bad)} with the option in the message`, () =>
      assert.throws(() => parseCount(bad, '--jobs'), (err: Error) => err instanceof UsageError && /--jobs/.test(err.message)));
  }
});

describe('parseObjectName', () => {
  for (const good of ['git-token', 'lab.git-ssh', 'a']) it(`accepts ${good}`, () => assert.equal(parseObjectName(good, '--git-credentials'), good));
  for (const bad of ['Git_Token', '-token', 'token-', '', 'a'.repeat(254)]) {
    it(`rejects ${JSON.stringify(bad.slice(0, 20))} with the option in the message`, () =>
      assert.throws(() => parseObjectName(bad, '--git-credentials'), (err: Error) => err instanceof UsageError && /--git-credentials/.test(err.message)));
  }
});

describe('parseIncludePattern', () => {
  it('collects the patterns of a repeated --include', () => assert.deepEqual(parseIncludePattern('*.vec', parseIncludePattern('*.{sca,vci}', undefined)), ['*.{sca,vci}', '*.vec']));
  for (const bad of ['[z-a]*.vec', '[]', '/x.sca', '!*.sca'])
    it(`rejects ${JSON.stringify(bad)} as a usage error naming the option`, () =>
      assert.throws(() => parseIncludePattern(bad, undefined), (e) => e instanceof UsageError && e.message.startsWith(`--include: '${bad}' is not a result file pattern`)));
});
