// The API's documents made from what the cluster and the store hold: a
// campaign resource or the store's record of a deleted one, a run record, a
// build. Pure; the handlers fetch and these shape.
import type { BuildSummary, CampaignSummary, RunAttempt, RunDetail, RunRow } from '../../api/results.ts';
import type { InetBuild, SimulationCampaign } from '../../api/v1alpha1.ts';
import type { BuildRecord } from '../../lib/store/builds.ts';
import { resultSources } from '../../lib/store/sources.ts';
import type { AttemptRecord, CampaignDoc, RunDoc } from '../../lib/store/store.ts';

export function campaignSummary(cr: SimulationCampaign): CampaignSummary {
  const runs = cr.status?.runs ?? {};
  return {
    namespace: cr.metadata.namespace ?? '',
    name: cr.metadata.name ?? '',
    sources: resultSources(cr),
    ...(cr.status?.phase ? { phase: cr.status.phase } : {}),
    build: cr.spec.buildRef.name,
    config: cr.spec.config,
    ...(cr.metadata.creationTimestamp ? { created: new Date(cr.metadata.creationTimestamp).toISOString() } : {}),
    runs: {
      ...(runs.total !== undefined ? { total: runs.total } : {}),
      succeeded: runs.succeeded ?? 0,
      failed: runs.failed ?? 0,
      running: runs.running ?? 0,
      pending: runs.pending ?? 0,
    },
    ...(cr.status?.estimatedCompletionTime ? { eta: cr.status.estimatedCompletionTime } : {}),
    deleted: false,
  };
}

/** A deleted campaign whose results remain, from its plan record and the counts of its stored runs. */
export function storedCampaignSummary(doc: CampaignDoc, counts: { succeeded: number; failed: number }): CampaignSummary {
  return {
    namespace: doc.namespace,
    name: doc.campaign,
    sources: [doc._id],
    created: doc.plannedAt.toISOString(),
    runs: { ...(doc.total !== undefined ? { total: doc.total } : {}), succeeded: counts.succeeded, failed: counts.failed, running: 0, pending: 0 },
    deleted: true,
  };
}

/** The stored campaigns whose name no resource of `crs` has (deleted), the newest plan of a name only. */
export function deletedCampaigns(crs: readonly SimulationCampaign[], stored: readonly CampaignDoc[]): CampaignDoc[] {
  const names = new Set(crs.map((c) => `${c.metadata.namespace}/${c.metadata.name}`));
  const uids = new Set(crs.flatMap((c) => resultSources(c)));
  const newest = new Map<string, CampaignDoc>();
  for (const doc of stored) {
    const key = `${doc.namespace}/${doc.campaign}`;
    if (names.has(key) || uids.has(doc._id)) continue;
    const seen = newest.get(key);
    if (!seen || seen.plannedAt < doc.plannedAt) newest.set(key, doc);
  }
  return [...newest.values()];
}

export function runRow(doc: RunDoc): RunRow {
  return {
    run: doc.run,
    status: doc.status,
    attempts: doc.attempts,
    ...(doc.elapsedMs !== undefined ? { elapsedMs: doc.elapsedMs } : {}),
    ...(doc.runnerPod ? { runnerPod: doc.runnerPod } : {}),
    ...(errorLineOf(doc) !== undefined ? { errorLine: errorLineOf(doc) } : {}),
    ...(doc.iterationVars ? { iterationVars: doc.iterationVars } : {}),
    ...(doc.repetition !== undefined ? { repetition: doc.repetition } : {}),
    ...(doc.finishedAt ? { finishedAt: doc.finishedAt.toISOString() } : {}),
  };
}

/** What a failed run's group is named by: its error line, else the runner's message, else the reason. */
export function errorLineOf(doc: Pick<RunDoc, 'status' | 'errorLine' | 'message' | 'reason'>): string | undefined {
  if (doc.status !== 'failed' && doc.errorLine === undefined) return undefined;
  return doc.errorLine ?? doc.message ?? doc.reason;
}

/**
 * What failures of one cause share: the error line with its numbers masked.
 * OMNeT++ puts the run, the event number, the simulation time and module ids
 * into an error line, so that the same fault in 1,000 runs gives 1,000
 * different lines.
 */
export function errorPattern(line: string): string {
  return line.replace(/[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi, '#');
}

function attempt(a: AttemptRecord): RunAttempt {
  return {
    attempt: a.attempt,
    runnerPod: a.runnerPod,
    reason: a.reason,
    exitCode: a.exitCode,
    signal: a.signal,
    ...(a.errorLine ? { errorLine: a.errorLine } : {}),
    elapsedMs: a.elapsedMs,
    finishedAt: new Date(a.finishedAt).toISOString(),
  };
}

export function runDetail(doc: RunDoc, outTail: string | undefined): RunDetail {
  return {
    ...runRow(doc),
    campaignUid: doc.campaignUid,
    ...(doc.message ? { message: doc.message } : {}),
    ...(doc.command ? { command: doc.command } : {}),
    attemptHistory: (doc.attemptHistory ?? []).map(attempt),
    ...(doc.outputTail ? { outputTail: doc.outputTail } : {}),
    ...(outTail !== undefined ? { outTail } : {}),
    files: (doc.resultFiles ?? []).map((f) => ({ name: f.name, size: f.size })),
  };
}

export function buildSummary(cr: InetBuild, record: BuildRecord | undefined): BuildSummary {
  const status = cr.status ?? {};
  const failure = record?.failure ?? status.failure;
  const message = failure?.message ?? status.conditions?.find((c) => c.type === 'Ready')?.message;
  return {
    namespace: cr.metadata.namespace ?? '',
    name: cr.metadata.name ?? '',
    ...(status.phase ? { phase: status.phase } : {}),
    repository: cr.spec.source.repository,
    ...(cr.spec.source.revision ? { revision: cr.spec.source.revision } : {}),
    ...(message ? { message } : {}),
    ...(status.startTime ? { startedAt: status.startTime } : {}),
    ...(status.completionTime ? { finishedAt: status.completionTime } : {}),
    ...(failure?.logTail ? { logTail: failure.logTail } : {}),
  };
}
