import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { controllerKeys, labelKeys } from '../../operator/runtime/informer.ts';

describe('the keys an informer enqueues for an object', () => {
  it('names the object its label names, in its namespace', () => {
    const keys = labelKeys('inetswarm.dev/campaign');
    assert.deepEqual(keys({ metadata: { namespace: 'team', labels: { 'inetswarm.dev/campaign': 'aloha-1' } } }), ['team/aloha-1']);
    assert.deepEqual(keys({ metadata: { namespace: 'team', labels: {} } }), [], 'no key without the label');
  });
  it('names the controlling owner of the kind, not other owners', () => {
    const keys = controllerKeys('InetBuild', 'inetswarm.dev/');
    const owner = (name: string, controller: boolean) => ({ apiVersion: 'inetswarm.dev/v1alpha1', kind: 'InetBuild', name, uid: name, controller });
    assert.deepEqual(keys({ metadata: { namespace: 'team', ownerReferences: [owner('b1', false), owner('b2', true)] } }), ['team/b2']);
  });
});
