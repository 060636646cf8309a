// events.ts: the Events of a campaign's change and of its runner incidents.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { incidentEvents } from '../../operator/controllers/simulationcampaign/events.ts';

const oom = { name: 'r-a', lastTermination: { container: 'runner', reason: 'OOMKilled', exitCode: 137, message: '', restarts: 1 } };
const evicted = { name: 'r-b', evicted: { reason: 'Evicted', message: 'low on memory' }, finished: true };

describe('incidentEvents', () => {
  it('gives one Warning Event per incident not yet reported', () =>
    assert.deepEqual(incidentEvents([oom, evicted], new Set(['r-a/runner/1'])).events.map((e) => [e.type, e.reason]), [['Warning', 'RunnerEvicted']]));
  it('gives a new Event when the same container is killed again after its restart', () =>
    assert.equal(incidentEvents([{ ...oom, lastTermination: { ...oom.lastTermination, restarts: 2 } }], new Set(['r-a/runner/1'])).events.length, 1));
  it('keeps the keys of every incident seen now, reported or not, and only those', () => assert.deepEqual(incidentEvents([oom, evicted], new Set(['gone/evicted'])).keys, ['r-a/runner/1', 'r-b/evicted']));
});
