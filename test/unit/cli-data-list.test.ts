import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { campaignRow, campaignRows } from '../../cli/data/list.ts';
import { campaignFixture as campaign } from '../support/cli-fixtures.ts';

describe('campaignRow', () => {
  const now = new Date('2026-11-21T21:10:00Z');
  it('shows done/total, failures, build and age in a list row', () => {
    const row = campaignRow(campaign({ phase: 'Running', runs: { total: 42, succeeded: 10, failed: 2 } }), now);
    assert.deepEqual(row, { namespace: 'team', name: 'aloha-1', phase: 'Running', done: '12/42', failed: 2, build: 'inet-abc', age: '10m' });
  });
  it('shows a campaign without status as Pending with an unknown total', () => {
    const row = campaignRow(campaign(undefined), now);
    assert.equal(row.phase, 'Pending');
    assert.equal(row.done, '0/?');
  });
});

describe('campaignRows', () => {
  const at = (name: string, created: string): SimulationCampaign => {
    const c = campaign(undefined);
    return { ...c, metadata: { ...c.metadata, name, creationTimestamp: created as unknown as Date } };
  };
  it('lists the oldest campaign first and campaigns of the same second by name', () => {
    const rows = campaignRows([at('b', '2026-11-21T21:05:00Z'), at('c', '2026-11-21T21:00:00Z'), at('a', '2026-11-21T21:05:00Z')], new Date('2026-11-21T21:10:00Z'));
    assert.deepEqual(rows.map((r) => [r.name, r.age]), [['c', '10m'], ['a', '5m'], ['b', '5m']]);
  });
});
