import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { TTL_RECHECK_MS, campaignExpiry } from '../../operator/controllers/simulationcampaign/ttl.decide.ts';

const now = new Date('2026-06-01T12:00:00Z');

function finished(ttl: string | undefined, completionTime: string | undefined): SimulationCampaign {
  return {
    apiVersion: 'inetswarm.dev/v1alpha1',
    kind: 'SimulationCampaign',
    metadata: { name: 'aloha', namespace: 'team', uid: 'u' },
    spec: { buildRef: { name: 'b' }, config: 'Aloha', ...(ttl ? { results: { ttlAfterFinished: ttl } } : {}) },
    status: { phase: 'Succeeded', ...(completionTime ? { completionTime } : {}) },
  };
}

describe('campaignExpiry', () => {
  it('keeps a campaign without a TTL and looks at it no more', () => {
    assert.deepEqual(campaignExpiry(finished(undefined, '2026-06-01T11:00:00Z'), now), { expired: false, requeueAfterMs: undefined });
  });
  it('looks again when the TTL runs out', () => {
    assert.deepEqual(campaignExpiry(finished('1h30m', '2026-06-01T11:00:00Z'), now), { expired: false, requeueAfterMs: 30 * 60_000 });
  });
  it('looks again after at most six hours under a long TTL', () => {
    assert.deepEqual(campaignExpiry(finished('8760h', '2026-06-01T11:00:00Z'), now), { expired: false, requeueAfterMs: TTL_RECHECK_MS });
  });
  it('expires a campaign whose TTL has passed, saying since when', () => {
    const e = campaignExpiry(finished('30m', '2026-06-01T11:00:00Z'), now);
    assert.equal(e.expired, true);
    assert.match(e.expired ? e.message : '', /ttlAfterFinished \(30m\) has passed since the campaign finished at 2026-06-01T11:00:00Z/);
  });
  it('expires at once with a TTL of 0s', () => assert.equal(campaignExpiry(finished('0s', '2026-06-01T12:00:00Z'), now).expired, true));
  it('never expires a campaign without a completionTime', () => {
    assert.deepEqual(campaignExpiry(finished('1s', undefined), now), { expired: false, requeueAfterMs: undefined });
  });
});
