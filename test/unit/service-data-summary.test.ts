import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { errorPattern, deletedCampaigns } from '../../service/data/summary.ts';
import type { CampaignDoc } from '../../lib/store/store.ts';

const cr = (namespace: string, name: string, uid: string): SimulationCampaign =>
  ({ apiVersion: 'inetswarm.dev/v1alpha1', kind: 'SimulationCampaign', metadata: { namespace, name, uid }, spec: { buildRef: { name: 'b' }, config: 'C' } }) as SimulationCampaign;
const doc = (namespace: string, campaign: string, uid: string, day: number): CampaignDoc => ({ _id: uid, namespace, campaign, plannedAt: new Date(2026, 0, day) });

describe('the error pattern of a failure', () => {
  it('masks the run, event, time and module numbers OMNeT++ writes into an error line', () => {
    const a = 'Injected error at run #3 -- in module (OppSim) Net.oppsim (id=2), at t=50.5s, event #30';
    const b = 'Injected error at run #7 -- in module (OppSim) Net.oppsim (id=12), at t=1e-3s, event #4001';
    assert.equal(errorPattern(a), errorPattern(b));
    assert.notEqual(errorPattern(a), errorPattern('Division by zero -- at t=1s'));
  });
});

describe('the campaigns a list shows', () => {
  it('adds a deleted campaign once, its newest plan, and never one a live campaign or rerun covers', () => {
    const live = [cr('a', 'x', 'u1')];
    const stored = [doc('a', 'x', 'u0', 1), doc('a', 'gone', 'g1', 1), doc('a', 'gone', 'g2', 2), doc('b', 'y', 'u1', 3)];
    assert.deepEqual(deletedCampaigns(live, stored).map((d) => d._id), ['g2']);
  });
});
