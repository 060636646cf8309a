import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { campaignRow } from '../../cli/data/list.ts';
import { formatCampaignList } from '../../cli/output/list.ts';
import { campaignFixture as campaign } from '../support/cli-fixtures.ts';

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
