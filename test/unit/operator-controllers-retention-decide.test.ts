import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideRetention, type RetentionInput } from '../../operator/controllers/retention/decide.ts';

const now = new Date('2026-06-01T12:00:00Z');
const hour = 3_600_000;
const ago = (ms: number) => new Date(now.getTime() - ms);

function input(o: Partial<RetentionInput>): RetentionInput {
  return {
    storedCampaigns: new Set(),
    storedBuilds: new Set(),
    liveCampaigns: new Set(),
    liveBuilds: new Set(),
    marks: [],
    now,
    campaignGraceMs: 24 * hour,
    buildGraceMs: hour,
    maxDeletions: 10,
    ...o,
  };
}

describe('decideRetention', () => {
  it('marks stored campaigns and builds that nothing live owns, and deletes nothing yet', () => {
    const d = decideRetention(input({ storedCampaigns: new Set(['c-live', 'c-gone']), liveCampaigns: new Set(['c-live']), storedBuilds: new Set(['b-gone']) }));
    assert.deepEqual(d, { mark: [{ kind: 'campaign', uid: 'c-gone', since: now }, { kind: 'build', uid: 'b-gone', since: now }], unmark: [], delete: [] });
  });

  it('deletes an orphan once its grace has passed, and keeps one still within it', () => {
    const marks = [
      { kind: 'campaign' as const, uid: 'old', since: ago(25 * hour) },
      { kind: 'campaign' as const, uid: 'young', since: ago(23 * hour) },
    ];
    const d = decideRetention(input({ storedCampaigns: new Set(['old', 'young']), marks }));
    assert.deepEqual(d.delete.map((m) => m.uid), ['old']);
    assert.deepEqual(d.mark, []);
  });

  it('uses the build grace for builds', () => {
    const d = decideRetention(input({ storedBuilds: new Set(['b']), marks: [{ kind: 'build', uid: 'b', since: ago(2 * hour) }] }));
    assert.deepEqual(d.delete.map((m) => m.uid), ['b']);
  });

  it('never deletes what lives again (a rerun merges a cancelled campaign), and drops its mark', () => {
    const marks = [{ kind: 'campaign' as const, uid: 'merged', since: ago(48 * hour) }];
    const d = decideRetention(input({ storedCampaigns: new Set(['merged']), liveCampaigns: new Set(['merged']), marks }));
    assert.deepEqual(d, { mark: [], unmark: [{ kind: 'campaign', uid: 'merged' }], delete: [] });
  });

  it('drops the mark of an orphan whose records are all gone', () => {
    const d = decideRetention(input({ marks: [{ kind: 'build', uid: 'b', since: ago(hour) }] }));
    assert.deepEqual(d.unmark, [{ kind: 'build', uid: 'b' }]);
  });

  it('deletes at most maxDeletions orphans per pass, the oldest first', () => {
    const marks = ['a', 'b', 'c'].map((uid, i) => ({ kind: 'campaign' as const, uid, since: ago((30 - i) * hour) }));
    const d = decideRetention(input({ storedCampaigns: new Set(['c', 'b', 'a']), marks, maxDeletions: 2 }));
    assert.deepEqual(d.delete.map((m) => m.uid), ['a', 'b']);
  });
});
