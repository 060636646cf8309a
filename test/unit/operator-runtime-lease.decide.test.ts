import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideLease, type LeaseAction, type LeaseSighting, type ObservedLease } from '../../operator/runtime/lease.decide.ts';

describe('decideLease', () => {
  const now = 1_000_000;
  const held = (renewTime: string, leaseDurationSeconds?: number): ObservedLease => ({ holder: 'other', renewTime, leaseDurationSeconds, transitions: 0 });
  const seen = (lease: ObservedLease, since: number): LeaseSighting => ({ since, record: decideLease(lease, undefined, 'me', since, 10).sighting?.record ?? '' });

  const table: { name: string; lease: ObservedLease | undefined; last?: LeaseSighting; expected: LeaseAction }[] = [
    { name: 'creates the lease when there is none', lease: undefined, expected: { kind: 'create' } },
    {
      name: 'renews a lease it holds',
      lease: { holder: 'me', renewTime: '2026-12-01T00:00:00.000000Z', leaseDurationSeconds: 15, transitions: 3 },
      expected: { kind: 'renew' },
    },
    {
      name: 'acquires a released lease and counts a transition',
      lease: { holder: undefined, renewTime: '2026-12-01T00:00:00.000000Z', leaseDurationSeconds: 15, transitions: 3 },
      expected: { kind: 'acquire', transitions: 4 },
    },
    {
      name: 'waits a whole lease duration on a record it sees for the first time, however old its renewTime (a holder whose clock is behind)',
      lease: held('1970-01-01T00:00:00.000000Z', 15),
      expected: { kind: 'wait', holder: 'other', expiresAt: now + 15_000 },
    },
    {
      name: 'waits while the record it saw has been unchanged for less than the lease duration',
      lease: held('2026-12-01T00:00:00.000000Z', 15),
      last: seen(held('2026-12-01T00:00:00.000000Z', 15), now - 14_999),
      expected: { kind: 'wait', holder: 'other', expiresAt: now + 1 },
    },
    {
      name: 'takes over once the record has been unchanged for the lease duration, however new its renewTime (a holder whose clock is ahead)',
      lease: held('2999-01-01T00:00:00.000000Z', 15),
      last: seen(held('2999-01-01T00:00:00.000000Z', 15), now - 15_000),
      expected: { kind: 'acquire', transitions: 1 },
    },
    {
      name: 'counts again from now when the holder renewed since the last sighting',
      lease: held('2026-12-01T00:00:02.000000Z', 15),
      last: seen(held('2026-12-01T00:00:00.000000Z', 15), now - 60_000),
      expected: { kind: 'wait', holder: 'other', expiresAt: now + 15_000 },
    },
    {
      name: 'uses its own duration when the lease states none',
      lease: held('2026-12-01T00:00:00.000000Z', undefined),
      last: seen(held('2026-12-01T00:00:00.000000Z', undefined), now - 9_000),
      expected: { kind: 'wait', holder: 'other', expiresAt: now + 1000 },
    },
  ];
  for (const { name, lease, last, expected } of table) {
    it(name, () => {
      assert.deepEqual(decideLease(lease, last, 'me', now, 10).action, expected);
    });
  }

  it('keeps the first sighting of a record across rounds, so the wait ends', () => {
    const lease = held('2026-12-01T00:00:00.000000Z', 15);
    const first = decideLease(lease, undefined, 'me', now, 10);
    const later = decideLease(lease, first.sighting, 'me', now + 15_000, 10);
    assert.deepEqual([first.action.kind, later.action.kind, later.sighting?.since], ['wait', 'acquire', now]);
  });
});
