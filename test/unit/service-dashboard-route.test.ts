import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCampaignQuery, parseRoute, PageError } from '../../service/dashboard/route.ts';

const base = '/apis/results.inetswarm.dev/v1alpha1/dashboard';
const route = (path: string) => parseRoute(path, new URLSearchParams(), base);

describe('parseRoute', () => {
  it('declines a path outside the base, and one that only starts like it', () => {
    assert.equal(route('/apis/results.inetswarm.dev/v1alpha1/namespaces'), undefined);
    assert.equal(route(`${base}x`), undefined);
  });
  it('names every page under the base, decoding its names', () => {
    assert.deepEqual(route(base), { kind: 'campaigns' });
    assert.deepEqual(route(`${base}/`), { kind: 'campaigns' });
    assert.deepEqual(route(`${base}/namespaces/a%2Fb/campaigns/c%20d`), { kind: 'campaign', namespace: 'a/b', name: 'c d' });
    assert.deepEqual(route(`${base}/streams/proxy/namespaces/a/campaigns/c/events`), { kind: "events", namespace: "a", name: "c" });
    assert.deepEqual(route(`${base}/namespaces/a/campaigns/c/events`), { kind: "unknown" });
    assert.deepEqual(route(`${base}/namespaces/a/campaigns/c/runs/42`), { kind: 'run', namespace: 'a', name: 'c', run: 42 });
    assert.deepEqual(route(`${base}/namespaces/a/builds/b`), { kind: 'build', namespace: 'a', name: 'b' });
    assert.deepEqual(route(`${base}/assets/live.js`), { kind: 'asset', file: 'live.js' });
    assert.deepEqual(route(`${base}/namespaces/a/campaigns/c/runs/1/x`), { kind: 'unknown' });
  });
  it('answers a run that is not a number and a bad encoding with 400', () => {
    assert.throws(() => route(`${base}/namespaces/a/campaigns/c/runs/-1`), (e: unknown) => e instanceof PageError && e.status === 400);
    assert.throws(() => route(`${base}/namespaces/%E0%A4%A/campaigns/c`), (e: unknown) => e instanceof PageError && e.status === 400);
  });
});

describe('parseCampaignQuery', () => {
  it('reads the filter, the page key, the fragment and the plot choice', () => {
    const q = parseCampaignQuery(new URLSearchParams('status=failed&after=99&fragment=runs&scalar=Net.a%7Cx%7Cy&itervar=n'));
    assert.deepEqual(q, { status: 'failed', after: 99, before: undefined, fragment: 'runs', scalar: { module: 'Net.a', name: 'x|y' }, itervar: 'n', requested: { scalar: 'Net.a|x|y', itervar: 'n' } });
  });
  it('answers an unknown status, fragment, key or scalar with 400', () => {
    for (const bad of ['status=done', 'fragment=all', 'before=1e3', 'scalar=nopipe']) {
      assert.throws(() => parseCampaignQuery(new URLSearchParams(bad)), (e: unknown) => e instanceof PageError && e.status === 400, bad);
    }
  });
});
