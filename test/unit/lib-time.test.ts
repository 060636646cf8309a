import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationSeconds, goDurationMs, isoSeconds } from '../../lib/time.ts';

describe('isoSeconds', () => {
  it('drops the milliseconds, as the API server stores a time', () => {
    assert.equal(isoSeconds(new Date('2026-12-01T10:20:30.456Z')), '2026-12-01T10:20:30Z');
  });
});

describe('goDurationMs', () => {
  const table: [string, number | undefined][] = [
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['10us', 0.01],
    ['2m3s', 123_000],
    ['', undefined],
    ['10', undefined],
    ['1 hour', undefined],
    ['2d', undefined],
    ['5m ', undefined],
    ['-5s', undefined],
  ];
  for (const [text, expected] of table) {
    it(`reads ${JSON.stringify(text)} as ${expected === undefined ? 'no duration' : `${expected} ms`}`, () => {
      assert.equal(goDurationMs(text), expected);
    });
  }
});

describe('durationSeconds', () => {
  const table: [string | undefined, number][] = [
    ['2h', 7200],
    ['45m', 2700],
    ['500ms', 1],
    [undefined, 60],
    ['0s', 60],
    ['soon', 60],
  ];
  for (const [text, expected] of table) {
    it(`gives ${expected} s for ${JSON.stringify(text)} (fallback 60), rounding up`, () => {
      assert.equal(durationSeconds(text, 60), expected);
    });
  }
});
