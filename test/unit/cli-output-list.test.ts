import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { campaignRow } from '../../cli/data/list.ts';
import { formatCampaignList } from '../../cli/output/list.ts';

const campaign = (status: SimulationCampaign['status']): SimulationCampaign => ({
  apiVersion: 'inetswarm.dev/v1alpha1',
  kind: 'SimulationCampaign',
  metadata: { name: 'aloha-1', namespace: 'team', uid: 'u1', creationTimestamp: '2026-11-21T21:00:00Z' as unknown as Date },
  spec: { buildRef: { name: 'inet-abc' }, config: 'Aloha' },
  ...(status ? { status } : {}),
});

describe('formatCampaignList', () => {
  const now = new Date('2026-11-21T21:10:00Z');
  it('adds a NAMESPACE column for all namespaces', () => {
    const text = formatCampaignList([campaignRow(campaign(undefined), now)], true);
    assert.match(text.split('\n')[0] ?? '', /^NAMESPACE\s+NAME\s+PHASE\s+DONE\s+FAILED\s+BUILD\s+AGE$/);
    assert.match(text.split('\n')[1] ?? '', /^team\s+aloha-1\s+Pending\s+0\/\?\s+0\s+inet-abc\s+10m$/);
  });
  it('says there is no campaign in the namespace when the list is empty', () => {
    assert.equal(formatCampaignList([], false), 'No campaigns in this namespace.\n');
    assert.equal(formatCampaignList([], true), 'No campaigns.\n');
  });
});
