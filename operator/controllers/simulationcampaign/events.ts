// The Events of a campaign: those of a change of its conditions or phase
// (the status before and after a decision), and those of runner incidents (a
// container OOM-killed, a pod evicted), each reported once per campaign and
// process however the conditions stand. No I/O here.
import type { SimulationCampaignStatus } from '../../../api/v1alpha1.ts';
import type { UserEvent } from '../../../lib/kube/manifests.ts';
import type { Outcome } from './outcome.ts';
import { RUNNER_TROUBLE_REASONS, runnerIncidents, type ObservedRunnerPod } from './runner-pods.ts';

/** Progressing reasons with an Event of their own when Progressing turns to them; an eviction has its incident Event. */
const TROUBLE_EVENTS: readonly string[] = RUNNER_TROUBLE_REASONS.filter((r) => r !== 'RunnerEvicted');

/** Final failures whose Event comes from another condition's change (the build's, the plan's). */
const FAILED_ELSEWHERE: readonly string[] = ['BuildFailed', 'PlanFailed'];

/** The Events of the change from `old` to `status`. */
export function eventsFor(old: SimulationCampaignStatus, status: SimulationCampaignStatus, result: Outcome, suspendedNow: boolean): UserEvent[] {
  const events: UserEvent[] = [];
  const reasonOf = (s: SimulationCampaignStatus, type: string) => s.conditions?.find((c) => c.type === type);
  const before = { buildReady: reasonOf(old, 'BuildReady'), planned: reasonOf(old, 'Planned'), progressing: reasonOf(old, 'Progressing') };
  if (result.progressing.reason !== before.progressing?.reason && TROUBLE_EVENTS.includes(result.progressing.reason) && !result.final) {
    events.push({ type: 'Warning', reason: result.progressing.reason, message: result.progressing.message });
  }
  if (result.buildReady.reason !== before.buildReady?.reason) {
    if (result.buildReady.reason === 'BuildNotFound') events.push({ type: 'Warning', reason: 'BuildNotFound', message: result.buildReady.message });
    if (result.buildReady.reason === 'BuildFailed') events.push({ type: 'Warning', reason: 'BuildFailed', message: result.buildReady.message });
  }
  if (result.planned.reason !== before.planned?.reason) {
    if (result.planned.reason === 'Planned') events.push({ type: 'Normal', reason: 'Planned', message: result.planned.message });
    if (result.planned.reason === 'PlanFailed') events.push({ type: 'Warning', reason: 'PlanFailed', message: result.planned.message });
  }
  if (status.phase !== old.phase && result.final) {
    if (status.phase === 'Succeeded') events.push({ type: 'Normal', reason: 'Completed', message: result.message });
    else if (!FAILED_ELSEWHERE.includes(result.failed.reason)) events.push({ type: 'Warning', reason: 'Failed', message: result.message });
  }
  if (status.phase !== old.phase && old.phase !== undefined) {
    if (suspendedNow && status.phase === 'Suspended') events.push({ type: 'Normal', reason: 'Suspended', message: 'spec.suspend is true: runner pods stopped' });
    if (old.phase === 'Suspended' && !suspendedNow && !result.final) events.push({ type: 'Normal', reason: 'Resumed', message: 'spec.suspend is false: runner pods started again' });
  }
  return events;
}

/** The Events of incidents not yet reported, and the keys of every incident seen now (what to remember). */
export function incidentEvents(pods: readonly ObservedRunnerPod[], reported: ReadonlySet<string> | undefined): { events: UserEvent[]; keys: string[] } {
  const incidents = runnerIncidents(pods);
  return {
    events: incidents.filter((i) => !reported?.has(i.key)).map((i) => ({ type: 'Warning', reason: i.reason, message: i.message })),
    keys: incidents.map((i) => i.key),
  };
}
