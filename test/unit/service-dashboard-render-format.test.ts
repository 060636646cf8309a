import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, formatEta, formatTime, progressOf } from '../../service/dashboard/render/format.ts';

describe('dashboard formats', () => {
  it('writes durations from milliseconds to days', () => {
    assert.deepEqual([350, 4200, 185_000, 3_720_000, 3 * 86_400_000 + 4 * 3_600_000].map(formatDuration), ['350ms', '4.2s', '3m05s', '1h02m', '3d04h']);
  });
  it('writes an ETA relative to the clock it is given, and says when it has passed', () => {
    const now = new Date('2026-12-01T10:00:00Z');
    assert.equal(formatEta('2026-12-01T10:12:00Z', now), 'in 12m00s (2026-12-01 10:12:00 UTC)');
    assert.equal(formatEta('2026-12-01T09:00:00Z', now), 'overdue (2026-12-01 09:00:00 UTC)');
    assert.equal(formatEta(undefined, now), '—');
    assert.equal(formatTime('not a time'), 'not a time');
  });
  it('counts finished runs against a total at least as large as what was counted', () => {
    assert.deepEqual(progressOf({ total: 120, succeeded: 60, failed: 6, running: 4, pending: 50 }), { done: 66, total: 120, percent: 55 });
    assert.deepEqual(progressOf({ succeeded: 1, failed: 0, running: 1, pending: 1 }), { done: 1, total: 3, percent: 33.3 });
    assert.deepEqual(progressOf({ succeeded: 0, failed: 0, running: 0, pending: 0 }), { done: 0, total: 0, percent: 0 });
  });
  it('writes sizes in binary units', () => {
    assert.deepEqual([512, 3482, 12 * 1024 * 1024].map(formatBytes), ['512 B', '3.4 KiB', '12.0 MiB']);
  });
});
