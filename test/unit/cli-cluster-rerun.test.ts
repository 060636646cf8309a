import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { MERGE_ANNOTATION, RERUN_OF_ANNOTATION } from '../../cli/campaign/decide.ts';
import { resultSources } from '../../cli/campaign/results.ts';
import { rerunCampaign } from '../../cli/commands/rerun.ts';

const original: SimulationCampaign = {
  apiVersion: 'inetswarm.dev/v1alpha1',
  kind: 'SimulationCampaign',
  metadata: { name: 'errors-20261121-210000', namespace: 'team', uid: 'u2', resourceVersion: '77', labels: { 'inetswarm.dev/config': 'errors' } },
  spec: { buildRef: { name: 'inet-x' }, config: 'Errors', runFilter: '0..9', execution: { parallelism: 4 }, suspend: true },
  status: { phase: 'Failed', runs: { total: 10, succeeded: 8, failed: 2 } },
};

describe('rerunCampaign', () => {
  const rerun = rerunCampaign(original, [3, 7], ['u1', 'u2'], new Date('2026-11-21T21:15:02Z'));

  it('keeps build, config and execution and selects exactly the given runs', () => {
    assert.deepEqual(rerun.spec, { buildRef: { name: 'inet-x' }, config: 'Errors', runFilter: '3,7', execution: { parallelism: 4 }, suspend: false });
  });
  it('names the campaigns whose results it completes and the campaign it reruns', () => {
    assert.equal(rerun.metadata.annotations?.[MERGE_ANNOTATION], 'u1,u2');
    assert.equal(rerun.metadata.annotations?.[RERUN_OF_ANNOTATION], 'errors-20261121-210000');
    assert.equal(rerun.metadata.name, 'errors-20261121-210000-rerun-211502');
  });
  it('carries no status, uid or resourceVersion of the original', () => {
    assert.equal(rerun.status, undefined);
    assert.equal(rerun.metadata.uid, undefined);
    assert.equal(rerun.metadata.resourceVersion, undefined);
  });
});

describe('resultSources', () => {
  it('lists the merged campaigns first and the campaign itself last', () => {
    const c = { ...original, metadata: { ...original.metadata, uid: 'u3', annotations: { [MERGE_ANNOTATION]: 'u1, u2' } } };
    assert.deepEqual(resultSources(c), ['u1', 'u2', 'u3']);
  });
  it('is the campaign alone without the annotation', () => assert.deepEqual(resultSources(original), ['u2']));
});
