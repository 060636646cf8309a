import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESULTS_API_PATH } from '../../api/results.ts';
import { decideRequest, pickHeaders } from '../../cli/data/dashboard.ts';

const campaign = `${RESULTS_API_PATH}/namespaces/lab/campaigns/aloha`;

describe("the dashboard proxy's decision", () => {
  it('forwards a GET under the results API, query included', () => {
    assert.deepEqual(decideRequest('GET', `${campaign}/runs?status=failed`, '127.0.0.1:8001', 8001), { kind: 'forward', path: `${campaign}/runs?status=failed` });
    assert.equal(decideRequest('GET', campaign, 'localhost:8001', 8001).kind, 'forward');
  });
  it('refuses a Host that is not the proxy itself (DNS rebinding), before anything else', () => {
    for (const host of ['attacker.example:8001', '127.0.0.1:9999', '127.0.0.1', undefined]) {
      const d = decideRequest('GET', campaign, host, 8001);
      assert.equal(d.kind === 'refuse' && d.status, 403, String(host));
    }
  });
  it('forwards only GET', () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'HEAD']) {
      const d = decideRequest(method, campaign, '127.0.0.1:8001', 8001);
      assert.equal(d.kind === 'refuse' && d.status, 405, method);
    }
  });
  it('redirects / to the dashboard', () => {
    assert.deepEqual(decideRequest('GET', '/', '127.0.0.1:8001', 8001), { kind: 'redirect', location: `${RESULTS_API_PATH}/dashboard/` });
  });
  it('forwards nothing outside the results API, however the path is spelled', () => {
    for (const url of ['/api/v1/secrets', `${RESULTS_API_PATH}/../../../api/v1/secrets`, `${RESULTS_API_PATH}/%2e%2e/x`, `${RESULTS_API_PATH}/a%2fb`, '/apis/results.inetswarm.dev/v1alpha10']) {
      const d = decideRequest('GET', url, '127.0.0.1:8001', 8001);
      assert.equal(d.kind === 'refuse' && d.status, 404, url);
    }
  });
});

describe('pickHeaders', () => {
  it('keeps the listed headers, joined', () => assert.deepEqual(pickHeaders({ a: ['1', '2'], b: 'x', c: 'y' }, ['a', 'c', 'd']), { a: '1, 2', c: 'y' }));
});
