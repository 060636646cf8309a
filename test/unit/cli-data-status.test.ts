import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { campaignFixture } from '../support/cli-fixtures.ts';
import { campaignElapsedMs, isFinished, newestCampaign, statusView, watchExitCode, type CampaignStatusView } from '../../cli/data/status.ts';
const campaign = (name: string, created: string, status?: SimulationCampaign['status']): SimulationCampaign =>
  campaignFixture(status, { name, creationTimestamp: created as unknown as Date });

describe('isFinished', () => {
  const cases: Array<[string | undefined, boolean]> = [
    ['Succeeded', true],
    ['Failed', true],
    ['Cancelled', true],
    ['Running', false],
    ['Suspended', false],
    [undefined, false],
  ];
  for (const [phase, finished] of cases) {
    it(`takes a campaign in phase ${phase ?? '(none)'} as ${finished ? 'finished' : 'still changing'}`, () =>
      assert.equal(isFinished(campaign('c', '2026-11-21T21:00:00Z', phase ? { phase: phase as 'Running' } : undefined)), finished));
  }
});

describe('statusView', () => {
  it('explains a wait with the message of a False BuildReady condition', () => {
    const view = statusView(
      campaign('c', '2026-11-21T21:00:00Z', {
        phase: 'Building',
        conditions: [{ type: 'BuildReady', status: 'False', reason: 'Building', message: 'build inet-abc is Building', lastTransitionTime: '2026-11-21T21:00:00Z' }],
      }),
    );
    assert.equal(view.message, 'build inet-abc is Building');
    assert.equal(view.total, undefined);
  });
});

describe('newestCampaign', () => {
  it('picks the campaign created last', () =>
    assert.equal(newestCampaign([campaign('old', '2026-11-21T20:00:00Z'), campaign('new', '2026-11-21T21:00:00Z')])?.metadata.name, 'new'));
  it('is undefined for a namespace without campaigns', () => assert.equal(newestCampaign([]), undefined));
});

describe('campaignElapsedMs', () => {
  const view = (startTime?: string, completionTime?: string): CampaignStatusView => ({
    ...statusView(campaign('c', '2026-11-21T21:00:00Z')),
    startTime,
    completionTime,
  });
  const now = new Date('2026-11-21T21:10:00Z');
  const cases: Array<[string, CampaignStatusView, number]> = [
    ['is 0 before the campaign started', view(), 0],
    ['runs to now while the campaign runs', view('2026-11-21T21:00:00Z'), 600_000],
    ['stops at the completion time', view('2026-11-21T21:00:00Z', '2026-11-21T21:01:00Z'), 60_000],
  ];
  for (const [name, v, ms] of cases) it(name, () => assert.equal(campaignElapsedMs(v, now), ms));
});

describe('watchExitCode', () => {
  const view = (phase: string, failed: number): CampaignStatusView => ({ ...statusView(campaign('c', '2026-11-21T21:00:00Z')), phase, failed });
  const cases: Array<[string, CampaignStatusView, number]> = [
    ['exits 0 when the campaign succeeded without failed runs', view('Succeeded', 0), 0],
    ['exits 1 when runs failed', view('Succeeded', 2), 1],
    ['exits 1 when the campaign failed', view('Failed', 0), 1],
    ['exits 1 when the campaign was cancelled', view('Cancelled', 0), 1],
  ];
  for (const [name, v, code] of cases) it(name, () => assert.equal(watchExitCode(v), code));
});
