import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantityBytes } from '../../lib/kube/quantity.ts';

describe('quantityBytes', () => {
  const cases: Array<[string | number, number | undefined]> = [
    ['10Gi', 10 * 2 ** 30],
    ['1Mi', 2 ** 20],
    ['500M', 500e6],
    ['1.5Ki', 1536],
    ['1e3', 1000],
    ['2048', 2048],
    [4096, 4096],
    ['10 Gi', undefined],
    ['1Gb', undefined],
    ['-1', undefined],
    ['', undefined],
  ];
  for (const [q, bytes] of cases) it(`reads ${JSON.stringify(q)} as ${bytes ?? 'no quantity of bytes'}`, () => assert.equal(quantityBytes(q), bytes));
});
