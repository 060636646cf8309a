import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isUnservedGroup, refusalMessage, statusMessage } from '../../cli/data/results-api.ts';

const status = (code: number, message: string, reason = 'Failure'): string => JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
const refusal = (code: number, body: string) => refusalMessage({ code, body, namespace: 'lab', doing: 'reading campaign aloha' });

describe('refusalMessage', () => {
  it('tells a user refused a namespace that they may not read campaigns there, and what right they need', () => {
    const text = refusal(403, status(403, 'User "system:serviceaccount:lab:x" cannot get simulationcampaigns.inetswarm.dev in the namespace "lab".'));
    assert.match(text, /^You may not read campaigns in namespace lab \(User "system:serviceaccount:lab:x" cannot get/);
    assert.match(text, /get on simulationcampaigns\.inetswarm\.dev in lab/);
  });
  it("passes the service's own not-found message on, with where to look", () => {
    assert.equal(refusal(404, status(404, 'No campaign "aloha" in namespace "lab", and no stored results of one.')), 'No campaign "aloha" in namespace "lab", and no stored results of one. See the campaigns with: inet-swarm list -n lab');
  });
  it("says the results service is not installed when the API server serves no such group, and names the admins' way", () => {
    for (const body of [status(404, 'the server could not find the requested resource'), '404 page not found\n']) {
      const text = refusal(404, body);
      assert.match(text, /^The results service \(results\.inetswarm\.dev\/v1alpha1\) is not installed on this cluster or is not ready/);
      assert.match(text, /--mongo-uri/);
    }
  });
  it('says the same for a registered service the API server cannot reach (503)', () => {
    const text = refusal(503, status(503, 'service unavailable', 'ServiceUnavailable'));
    assert.match(text, /is not installed on this cluster or is not ready \(503: service unavailable\)/);
  });
  it('asks to check the kubeconfig when the API server does not accept the credentials', () => {
    assert.match(refusal(401, status(401, 'Unauthorized')), /did not accept your credentials while reading campaign aloha \(401: Unauthorized\).*kubectl auth whoami/);
  });
  it('names the status and message of anything else', () => {
    assert.equal(refusal(400, status(400, 'limit must be an integer')), 'The results service refused reading campaign aloha (400: limit must be an integer).');
  });
});

describe('statusMessage', () => {
  it("takes a Status document's message", () => assert.equal(statusMessage(status(500, 'boom')), 'boom'));
  it("takes a plain body's first line", () => assert.equal(statusMessage('bad gateway\nmore'), 'bad gateway'));
  it('tells the API server\'s not-found apart from the service\'s', () => {
    assert.equal(isUnservedGroup('the server could not find the requested resource'), true);
    assert.equal(isUnservedGroup('No campaign "x" in namespace "y".'), false);
  });
});
