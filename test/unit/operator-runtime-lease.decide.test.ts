import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideLease, type LeaseAction, type ObservedLease } from '../../operator/runtime/lease.decide.ts';

describe('decideLease', () => {
  const now = 1_000_000;
  const table: { name: string; lease: ObservedLease | undefined; expected: LeaseAction }[] = [
    { name: 'creates the lease when there is none', lease: undefined, expected: { kind: 'create' } },
    {
      name: 'renews a lease it holds, even an expired one',
      lease: { holder: 'me', renewTime: now - 60_000, leaseDurationSeconds: 15, transitions: 3 },
      expected: { kind: 'renew' },
    },
    {
      name: 'acquires a released lease and counts a transition',
      lease: { holder: undefined, renewTime: now - 1000, leaseDurationSeconds: 15, transitions: 3 },
      expected: { kind: 'acquire', transitions: 4 },
    },
    {
      name: 'waits while another holder renewed within the lease duration',
      lease: { holder: 'other', renewTime: now - 14_999, leaseDurationSeconds: 15, transitions: 0 },
      expected: { kind: 'wait', holder: 'other', expiresAt: now + 1 },
    },
    {
      name: 'takes over once the holder has not renewed for the lease duration',
      lease: { holder: 'other', renewTime: now - 15_000, leaseDurationSeconds: 15, transitions: 0 },
      expected: { kind: 'acquire', transitions: 1 },
    },
    {
      name: 'uses its own duration when the lease states none',
      lease: { holder: 'other', renewTime: now - 9_000, leaseDurationSeconds: undefined, transitions: 0 },
      expected: { kind: 'wait', holder: 'other', expiresAt: now + 1000 },
    },
  ];
  for (const { name, lease, expected } of table) {
    it(name, () => {
      assert.deepEqual(decideLease(lease, 'me', now, 10), expected);
    });
  }
});
