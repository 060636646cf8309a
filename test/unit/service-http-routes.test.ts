import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESULTS_API_PATH, campaignPath } from '../../api/results.ts';
import { ROUTES, matchRoute } from '../../service/http/routes.ts';

describe('the route of a request path', () => {
  it('names a campaign and its namespace', () => {
    const match = matchRoute(campaignPath('team-a', 'aloha'));
    assert.equal(match?.route.name, 'campaign');
    assert.deepEqual(match?.params, { namespace: 'team-a', name: 'aloha' });
  });

  it('takes a file name with subfolders and escaped characters whole', () => {
    const match = matchRoute(`${campaignPath('ns', 'c', 'proxy', 'runs', 3, 'files')}/sub/PureAloha1-%230.sca`);
    assert.equal(match?.route.name, 'runFile');
    assert.deepEqual(match?.params, { namespace: 'ns', name: 'c', run: '3', file: 'sub/PureAloha1-#0.sca' });
  });

  it('is the discovery document at the group version, and nothing outside the API', () => {
    assert.equal(matchRoute(RESULTS_API_PATH)?.route.name, 'discovery');
    assert.equal(matchRoute(`${RESULTS_API_PATH}x`), undefined);
    assert.equal(matchRoute('/apis/inetswarm.dev/v1alpha1/simulationcampaigns'), undefined);
    assert.equal(matchRoute(`${RESULTS_API_PATH}/namespaces/ns/campaigns/c/nope`), undefined);
  });

  it('puts every stream under the proxy subresource, which the API server never times out', () => {
    for (const route of ROUTES.filter((r) => ['sse', 'tar', 'bytes', 'csv'].includes(r.body))) assert.match(route.path, /\/proxy\//, route.name);
  });
});
