// events.ts: the Events of a campaign's change and of its runner incidents.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulationCampaignStatus } from '../../api/v1alpha1.ts';
import { eventsFor, incidentEvents } from '../../operator/controllers/simulationcampaign/events.ts';
import { outcomeOf } from '../../operator/controllers/simulationcampaign/outcome.ts';

const oom = { name: 'r-a', lastTermination: { container: 'runner', reason: 'OOMKilled', exitCode: 137, message: '', restarts: 1 } };
const evicted = { name: 'r-b', evicted: { reason: 'Evicted', message: 'low on memory' }, finished: true };

describe('incidentEvents', () => {
  it('gives one Warning Event per incident not yet reported', () =>
    assert.deepEqual(incidentEvents([oom, evicted], new Set(['r-a/runner/1'])).events.map((e) => [e.type, e.reason]), [['Warning', 'RunnerEvicted']]));
  it('gives a new Event when the same container is killed again after its restart', () =>
    assert.equal(incidentEvents([{ ...oom, lastTermination: { ...oom.lastTermination, restarts: 2 } }], new Set(['r-a/runner/1'])).events.length, 1));
  it('keeps the keys of every incident seen now, reported or not, and only those', () => assert.deepEqual(incidentEvents([oom, evicted], new Set(['gone/evicted'])).keys, ['r-a/runner/1', 'r-b/evicted']));
});

/** An outcome with Progressing and Failed as given, the rest as while running. */
const outcome = (phase: 'Running' | 'Failed', final: boolean, progressing: string, failed: string) =>
  outcomeOf(phase, final, 'summary', {
    buildReady: ['True', 'BuildSucceeded'],
    planned: ['True', 'Planned'],
    progressing: ['False', progressing],
    complete: ['False', progressing],
    failed: [failed === 'NoFailure' ? 'False' : 'True', failed],
  });
const running: SimulationCampaignStatus = {
  phase: 'Running',
  conditions: [
    { type: 'BuildReady', status: 'True', reason: 'BuildSucceeded', message: '', lastTransitionTime: '2026-12-01T10:00:00Z' },
    { type: 'Planned', status: 'True', reason: 'Planned', message: '', lastTransitionTime: '2026-12-01T10:00:00Z' },
    { type: 'Progressing', status: 'True', reason: 'RunsInProgress', message: '', lastTransitionTime: '2026-12-01T10:00:00Z' },
  ],
};
const reasons = (events: { type: string; reason: string }[]) => events.map((e) => `${e.type}/${e.reason}`);

describe('eventsFor', () => {
  it('warns once when Progressing turns to a runner that keeps exiting', () =>
    assert.deepEqual(reasons(eventsFor(running, { phase: 'Running' }, outcome('Running', false, 'RunnerCrashLoopBackOff', 'NoFailure'), false)), ['Warning/RunnerCrashLoopBackOff']));
  it('leaves an eviction to its incident Event', () =>
    assert.deepEqual(reasons(eventsFor(running, { phase: 'Running' }, outcome('Running', false, 'RunnerEvicted', 'NoFailure'), false)), []));
  it('warns Failed, and only that, when the progress deadline fails the campaign', () =>
    assert.deepEqual(reasons(eventsFor(running, { phase: 'Failed' }, outcome('Failed', true, 'RunnerCrashLoopBackOff', 'RunnerCrashLoopBackOff'), false)), ['Warning/Failed']));
  it('warns Failed when the runner Job gave up', () =>
    assert.deepEqual(reasons(eventsFor(running, { phase: 'Failed' }, outcome('Failed', true, 'BackoffLimitExceeded', 'BackoffLimitExceeded'), false)), ['Warning/Failed']));
});
