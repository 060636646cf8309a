// The chaos test's schedule (test/support/chaos-plan.ts): a seed replays the
// same faults, every kind of fault is in every plan and comes first, and a
// bad INETSWARM_CHAOS_SEED is refused rather than replaced by a random one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chaosPlan, chaosSeed, FAULT_KINDS, seededRandom } from '../support/chaos-plan.ts';

const OPTIONS = { count: 10, gapMs: [1500, 3500] as [number, number], downMs: [300, 2500] as [number, number], freezeMs: 7000 };

describe('chaosPlan', () => {
  it('is the same plan for the same seed and another for another seed', () => {
    assert.deepEqual(chaosPlan(42, OPTIONS), chaosPlan(42, OPTIONS));
    assert.notDeepEqual(chaosPlan(42, OPTIONS), chaosPlan(43, OPTIONS));
  });

  it('holds every kind once in its first faults, then random kinds up to the count', () => {
    for (const seed of [0, 1, 7, 2 ** 32 - 1]) {
      const plan = chaosPlan(seed, OPTIONS);
      assert.equal(plan.length, 10);
      assert.deepEqual(plan.slice(0, FAULT_KINDS.length).map((f) => f.kind).sort(), [...FAULT_KINDS].sort());
    }
  });

  it('draws gaps and downtimes in their ranges, and stalls runners for the freeze time', () => {
    for (const f of chaosPlan(5, OPTIONS)) {
      assert.ok(f.afterMs >= 1500 && f.afterMs <= 3500, String(f.afterMs));
      if (f.kind === 'runner-freeze') assert.equal(f.downMs, 7000);
      else assert.ok(f.downMs >= 300 && f.downMs <= 2500, String(f.downMs));
      assert.ok(f.pick >= 0 && f.pick < 1);
    }
  });
});

describe('seededRandom', () => {
  it('gives numbers in [0, 1), the same sequence for the same seed', () => {
    const a = seededRandom(9);
    const b = seededRandom(9);
    const xs = Array.from({ length: 100 }, () => a());
    assert.deepEqual(xs, Array.from({ length: 100 }, () => b()));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.ok(new Set(xs).size > 95);
  });
});

describe('chaosSeed', () => {
  it('is INETSWARM_CHAOS_SEED when set', () => assert.equal(chaosSeed({ INETSWARM_CHAOS_SEED: '123' }), 123));
  it('is a random 32-bit seed when unset', () => {
    const seed = chaosSeed({});
    assert.ok(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32);
  });
  it('refuses a seed that is not a 32-bit integer', () => {
    for (const bad of ['x', '-1', '1.5', String(2 ** 32)]) assert.throws(() => chaosSeed({ INETSWARM_CHAOS_SEED: bad }), /INETSWARM_CHAOS_SEED/);
  });
});
