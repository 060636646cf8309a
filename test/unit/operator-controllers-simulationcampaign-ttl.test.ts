import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { CAMPAIGN_FINALIZER, DELETE_RESULTS_ANNOTATION } from '../../api/labels.ts';
import { decideCampaign, type CampaignObservation } from '../../operator/controllers/simulationcampaign/decide.ts';
import { campaignSettingsFromEnv } from '../../operator/controllers/simulationcampaign/settings.ts';
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

describe('decideCampaign and retention', () => {
  const settings = campaignSettingsFromEnv({ INETSWARM_NATS_URL: 'nats://127.0.0.1:4222' }, { uri: 'mongodb://db:27017', database: 'inetswarm' }, 1000);
  const observe = (c: SimulationCampaign): CampaignObservation => ({ campaign: c, build: undefined, job: undefined, progress: undefined, queueReady: true, capacity: undefined, lastStatusWrite: undefined, now, settings });
  const withMeta = (c: SimulationCampaign, meta: Partial<SimulationCampaign['metadata']>): SimulationCampaign => ({ ...c, metadata: { ...c.metadata, finalizers: [CAMPAIGN_FINALIZER], ...meta } });

  it('deletes the stored results of a campaign deleted with the delete-results annotation, then its finalizer', () => {
    const c = withMeta(finished(undefined, '2026-06-01T11:00:00Z'), { deletionTimestamp: now, annotations: { [DELETE_RESULTS_ANNOTATION]: 'true' } });
    const d = decideCampaign(observe(c));
    assert.deepEqual([d.cleanupQueue, d.deleteResults, d.finalizer], [true, true, 'remove']);
  });
  it('keeps the stored results of a campaign deleted without it (cancel)', () => {
    const d = decideCampaign(observe(withMeta(finished(undefined, '2026-06-01T11:00:00Z'), { deletionTimestamp: now })));
    assert.deepEqual([d.cleanupQueue, d.deleteResults, d.finalizer], [true, false, 'remove']);
  });
  it('expires a finished campaign past its TTL with a Normal Expired Event', () => {
    const d = decideCampaign(observe(withMeta(finished('1h', '2026-06-01T10:00:00Z'), {})));
    assert.equal(d.expire?.reason, 'Expired');
    assert.equal(d.expire?.type, 'Normal');
  });
  it('looks at a finished campaign again when its TTL runs out', () => {
    const d = decideCampaign(observe(withMeta(finished('2h', '2026-06-01T11:00:00Z'), {})));
    assert.deepEqual([d.expire, d.requeueAfterMs], [undefined, 60 * 60_000]);
  });
});
