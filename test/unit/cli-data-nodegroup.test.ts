import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ObservedDemand } from '../../lib/capacity/observe.ts';
import { decideHalt, decideResume, type HaltCheck, type HaltDecision } from '../../cli/data/nodegroup.ts';

const demand = (change: Partial<ObservedDemand>): HaltCheck => ({
  demand: { campaigns: [], builds: [], runnerNodes: 2, busyNodes: 0, runnerPods: 0, nodes: [], ...change },
});
const busy = demand({ runnerPods: 3, busyNodes: 2 });
const wanted = demand({ campaigns: [{} as ObservedDemand['campaigns'][number]] });

describe('decideHalt', () => {
  const cases: Array<[string, HaltCheck, boolean, (d: HaltDecision) => void]> = [
    ['halts an idle pool without notes', demand({}), false, (d) => assert.deepEqual(d, { kind: 'halt', notes: [] })],
    ['refuses while runner or builder pods run', busy, false, (d) => {
      assert.equal(d.kind, 'refuse');
      assert.match(d.kind === 'refuse' ? d.message : '', /^3 runner or builder pods still run on 2 nodes of ng; .*Nothing was changed/);
    }],
    ['halts busy pods with --force and says they were killed', busy, true, (d) => {
      assert.equal(d.kind, 'halt');
      assert.match(d.kind === 'halt' ? (d.notes[0] ?? '') : '', /^3 runner or builder pods were killed/);
    }],
    ['refuses when Kubernetes could not be asked', { error: 'no kubeconfig' }, false, (d) => {
      assert.equal(d.kind, 'refuse');
      assert.match(d.kind === 'refuse' ? d.message : '', /Could not check for busy runners in Kubernetes \(no kubeconfig\); nothing was changed/);
    }],
    ['halts unchecked with --force and says so', { error: 'no kubeconfig' }, true, (d) =>
      assert.deepEqual(d, { kind: 'halt', notes: ['Busy runners were not checked: no kubeconfig.'] })],
    ['warns that work still asking for capacity brings the nodes back', wanted, false, (d) => {
      assert.equal(d.kind, 'halt');
      assert.match(d.kind === 'halt' ? (d.notes[0] ?? '') : '', /^1 campaigns and 0 builds still want capacity/);
    }],
  ];
  for (const [name, check, force, expect] of cases) it(name, () => expect(decideHalt(check, force, 'ng')));
});

describe('decideResume', () => {
  const ref = { clusterName: 'c', nodegroupName: 'ng' };
  it('asks for the given number of nodes and lowers the minimum to it', () =>
    assert.deepEqual(decideResume({ minSize: 2, maxSize: 5 }, 1, ref), { kind: 'resume', desiredSize: 1, minSize: 1 }));
  it('asks for the minimum by default', () =>
    assert.deepEqual(decideResume({ minSize: 2, maxSize: 5 }, undefined, ref), { kind: 'resume', desiredSize: 2, minSize: 2 }));
  it('asks for at least one node when the minimum is zero', () =>
    assert.deepEqual(decideResume({ minSize: 0, maxSize: 5 }, undefined, ref), { kind: 'resume', desiredSize: 1, minSize: 0 }));
  it('refuses more nodes than the maximum and names the command that raises it', () => {
    const d = decideResume({ minSize: 0, maxSize: 5 }, 9, ref);
    assert.equal(d.kind, 'refuse');
    assert.match(d.kind === 'refuse' ? d.message : '', /maximum 5; raise it first \(aws eks update-nodegroup-config --cluster-name c --nodegroup-name ng --scaling-config maxSize=9\)/);
  });
});
