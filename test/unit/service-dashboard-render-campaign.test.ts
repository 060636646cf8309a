import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CampaignSummary } from '../../api/results.ts';
import { campaignFragment, campaignPage, type CampaignView } from '../../service/dashboard/render/campaign.ts';
import { campaignsPage } from '../../service/dashboard/render/campaigns.ts';
import { countsKey } from '../../service/dashboard/render/summary.ts';

const now = new Date('2026-12-01T10:00:00Z');
const summary = (over: Partial<CampaignSummary> = {}): CampaignSummary => ({
  namespace: 'team-a',
  name: 'sweep',
  sources: ['u'],
  phase: 'Running',
  runs: { total: 10, succeeded: 3, failed: 1, running: 2, pending: 4 },
  eta: '2026-12-01T10:30:00Z',
  deleted: false,
  ...over,
});
const view = (c: CampaignSummary): CampaignView => ({
  base: '/apis/x/dashboard',
  now,
  campaign: c,
  runs: { items: [] },
  failures: { items: [] },
  throughput: { points: [] },
  choices: { scalars: [], itervars: [] },
  requested: {},
});

describe('the campaign pages', () => {
  it('shows each campaign of the list with its phase, progress bar, counts and ETA, linked under the base', () => {
    const text = campaignsPage('/apis/x/dashboard', { items: [summary()] }, now).text;
    assert.match(text, /<a href="\/apis\/x\/dashboard\/namespaces\/team-a\/campaigns\/sweep">sweep<\/a>/);
    assert.match(text, /<td data-field="phase">Running<\/td>/);
    assert.match(text, /<progress max="10" value="4" aria-label="Progress of team-a\/sweep">40% \(4 of 10 runs done\)<\/progress>/);
    assert.match(text, /in 30m00s \(2026-12-01 10:30:00 UTC\)/);
    assert.match(text, /<a class="failed" href="[^"]+#failures">1<\/a>/);
  });
  it('marks a deleted campaign and loads no live script for it', () => {
    const c = summary({ deleted: true, phase: undefined });
    assert.match(campaignsPage('/b', { items: [c] }, now).text, /Deleted \(deleted; stored results only\)/);
    assert.doesNotMatch(campaignPage(view(c)).text, /live\.js/);
  });
  it('names the events stream and the counts key the live script compares, and loads the script deferred', () => {
    const text = campaignPage(view(summary())).text;
    assert.match(text, /<div id="campaign" data-events="\/apis\/x\/dashboard\/streams\/proxy\/namespaces\/team-a\/campaigns\/sweep\/events" data-counts="Running\/10\/3\/1\/2\/4">/);
    assert.match(text, /<script src="\/apis\/x\/dashboard\/assets\/live\.js" defer><\/script>/);
    for (const part of ['runs', 'failures', 'throughput']) assert.match(text, new RegExp(`<section id="${part}" data-fragment="${part}" data-refresh aria-labelledby="${part}-heading">`));
    assert.match(text, /<section id="plot" data-fragment="plot" aria-labelledby="plot-heading">/);
  });
  it('changes the counts key with any count or the phase', () => {
    const a = countsKey(summary());
    assert.notEqual(countsKey(summary({ runs: { total: 10, succeeded: 4, failed: 1, running: 1, pending: 4 } })), a);
    assert.notEqual(countsKey(summary({ phase: 'Succeeded' })), a);
  });
  it('escapes a campaign name in the page, its links and its fragments', () => {
    const c = summary({ name: '<img src=x onerror=alert(1)>', namespace: 'n"s' });
    const text = campaignPage(view(c)).text + campaignFragment(view(c), 'summary').text;
    assert.doesNotMatch(text, /<img|n"s/);
  });
});
