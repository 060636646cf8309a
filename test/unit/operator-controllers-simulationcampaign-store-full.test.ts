import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulationCampaignStatus } from '../../api/v1alpha1.ts';
import { storeFullCondition } from '../../operator/controllers/simulationcampaign/store-full.decide.ts';

const at = '2026-06-01T12:00:00Z';
const withStoreFull = (status: 'True' | 'False'): SimulationCampaignStatus => ({
  conditions: [{ type: 'StoreFull', status, reason: status === 'True' ? 'StoreFull' : 'StoreWritable', message: '', lastTransitionTime: at }],
});

describe('storeFullCondition', () => {
  it('adds no condition to a campaign whose store was never full', () => {
    assert.deepEqual(storeFullCondition({}, undefined), { condition: undefined, event: undefined });
  });
  it('turns StoreFull True with the probe message and one Warning Event', () => {
    assert.deepEqual(storeFullCondition({}, 'The result store is full (x)'), {
      condition: { type: 'StoreFull', status: 'True', reason: 'StoreFull', message: 'The result store is full (x)' },
      event: { type: 'Warning', reason: 'StoreFull', message: 'The result store is full (x)' },
    });
  });
  it('emits no second Event while the store stays full', () => {
    assert.equal(storeFullCondition(withStoreFull('True'), 'still full').event, undefined);
  });
  it('turns StoreFull False with StoreWritable once the store takes writes again', () => {
    assert.deepEqual(storeFullCondition(withStoreFull('True'), undefined).condition, { type: 'StoreFull', status: 'False', reason: 'StoreWritable', message: 'The result store takes writes again' });
  });
  it('warns again when a store that was writable again fills up', () => {
    assert.equal(storeFullCondition(withStoreFull('False'), 'full again').event?.reason, 'StoreFull');
  });
});
