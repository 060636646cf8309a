import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateEtaSeconds, type EtaInput } from '../../lib/store/eta.ts';

describe('estimateEtaSeconds', () => {
  const base: EtaInput = { remaining: 100, recentFinished: 0, windowMs: 60_000, meanRunMs: undefined, activeRunners: 0 };
  const cases: Array<[string, Partial<EtaInput>, number | undefined]> = [
    ['is zero when nothing remains', { remaining: 0 }, 0],
    ['is unknown before anything was measured', {}, undefined],
    ['uses the recent throughput when enough runs finished', { recentFinished: 50, meanRunMs: 999_999, activeRunners: 1 }, 120],
    ['divides the mean run time by the active runners early on', { recentFinished: 2, meanRunMs: 2000, activeRunners: 4 }, 50],
    ['is unknown with a mean but no active runner', { meanRunMs: 2000, activeRunners: 0 }, undefined],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.equal(estimateEtaSeconds({ ...base, ...input }), expected));
  }
});
