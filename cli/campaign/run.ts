// The cluster mode of `inet-swarm run`: InetBuild (reused when the same commit
// was built before), SimulationCampaign, live progress from the campaign's
// status, then the results into results/ and a summary. Ctrl-C detaches: the
// campaign keeps running and the user is told how to come back or cancel.
import path from 'node:path';
import type { Db } from 'mongodb';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import type { RunReason } from '../../lib/engine/decide.ts';
import { runsOf } from '../../lib/store/store.ts';
import type { CliContext, GlobalOptions } from '../context.ts';
import { clusterSummary, type ClusterRunResult } from '../data/run.ts';
import { campaignElapsedMs, statusView } from '../data/status.ts';
import { resultSources } from '../../lib/store/sources.ts';
import { CliError } from '../errors.ts';
import type { FailedRun } from '../output/events.ts';
import { buildLine, campaignCreatedLine, missingFileLine, reattachHints } from '../output/messages.ts';
import type { CampaignManifests } from './manifests.ts';
import { createCampaign, ensureBuild, openCluster, type ClusterApi } from './kube.ts';
import { downloadArchive } from './archive-download.ts';
import { openResultsDb, readsStoreDirectly, type MongoOptions } from './mongo.ts';
import { resultsApi } from './results-api.ts';
import { failedRunsThroughApi } from './results-reads.ts';
import { downloadResults, type MissingFile } from './results.ts';
import { watchCampaign } from './watch.ts';

export interface ClusterRunInput {
  /** The objects to submit, for the namespace the cluster connection settles on. */
  manifestsFor: (namespace: string) => CampaignManifests;
  globals: GlobalOptions;
  mongo: MongoOptions;
  /** Result folder, relative to ctx.cwd. */
  out: string;
  ctx: CliContext;
  /** Status poll interval; tests shorten it. */
  intervalMs?: number;
}

/** Submits the campaign, follows it to the end (or until Ctrl-C) and downloads its results. */
export async function runOnCluster(input: ClusterRunInput): Promise<ClusterRunResult> {
  const { ctx, globals } = input;
  const api = await openCluster(ctx.env, globals);
  const submitted = await submit(api, input.manifestsFor(api.namespace), ctx, globals.json);
  const { campaign } = submitted;
  const name = campaign.metadata.name ?? '';
  const end = await watchCampaign(api, name, ctx, { json: globals.json, intervalMs: input.intervalMs });
  const base = { kind: 'cluster' as const, namespace: api.namespace, campaign: name, build: submitted.build, buildCreated: submitted.buildCreated };
  const outDir = path.resolve(ctx.cwd, input.out);
  const hints = reattachHints(api.namespace, name);
  if (end.kind === 'deleted') {
    throw new CliError(`Campaign ${name} was deleted (cancelled) while running. ${hints[2]}`);
  }
  if (end.kind === 'aborted') {
    const view = statusView(end.campaign ?? campaign);
    const progress = { parallelism: parallelismOf(campaign), elapsedMs: campaignElapsedMs(view, ctx.now()), outDir };
    const notes = [`Detached from campaign ${name}: it keeps running on the cluster.`, ...hints];
    return { ...base, detached: true, summary: clusterSummary(view, progress, undefined), notes };
  }
  return { ...base, detached: false, ...(await finish(api, end.campaign, input, outDir)) };
}

/** Creates (or reuses) the build and creates the campaign, telling the user on stderr (and as an event with --json). */
async function submit(
  api: ClusterApi,
  manifests: CampaignManifests,
  ctx: CliContext,
  json: boolean,
): Promise<{ campaign: SimulationCampaign; build: string; buildCreated: boolean }> {
  const { build, created } = await ensureBuild(api, manifests.build);
  const buildName = build.metadata.name ?? '';
  ctx.stderr.write(buildLine({ name: buildName, created, revision: manifests.build.spec.source.revision, phase: build.status?.phase }));
  const campaign = await createCampaign(api, manifests.campaign);
  const name = campaign.metadata.name ?? '';
  ctx.stderr.write(campaignCreatedLine(api.namespace, name));
  if (json) {
    const event = { time: ctx.now().toISOString(), type: 'submitted', namespace: api.namespace, campaign: name, build: buildName, buildCreated: created };
    ctx.stdout.write(`${JSON.stringify(event)}\n`);
  }
  return { campaign, build: buildName, buildCreated: created };
}

function parallelismOf(campaign: SimulationCampaign): number {
  return campaign.spec.execution?.parallelism ?? 0;
}

/** A finished campaign: its results downloaded, its failed runs from the store, what to do about them. */
async function finish(api: ClusterApi, campaign: SimulationCampaign, input: ClusterRunInput, outDir: string): Promise<Pick<ClusterRunResult, 'summary' | 'notes'>> {
  const view = statusView(campaign);
  const name = view.name;
  if (view.total === undefined || (view.phase === 'Failed' && view.succeeded + view.failed === 0)) {
    throw new CliError(
      `Campaign ${name} ended ${view.phase} before running anything${view.message ? `: ${view.message}` : ''}. ` +
        `See the build log with: inet-swarm logs ${name} --build -n ${api.namespace}`,
    );
  }
  try {
    const { files, failed, missing, missingCount } = await downloadFinished(api, campaign, input, outDir);
    for (const m of missing) input.ctx.stderr.write(missingFileLine(m));
    const progress = { parallelism: parallelismOf(campaign), elapsedMs: campaignElapsedMs(view, input.ctx.now()), outDir };
    return {
      summary: clusterSummary(view, progress, { failed, files }),
      notes: [
        ...(failed.length > 0 ? [`Rerun the failed runs with: inet-swarm rerun ${name} --failed -n ${api.namespace}`] : []),
        ...(missingCount > 0 ? [`${missingCount} result file(s) are missing from the store and were not downloaded (listed above).`] : []),
      ],
    };
  } catch (err) {
    throw new CliError(
      `Campaign ${name} finished ${view.phase} (${view.succeeded} succeeded, ${view.failed} failed), but its results could not be ` +
        `downloaded: ${(err as Error).message}\nTry again with: inet-swarm results ${name} -n ${api.namespace}`,
      { cause: err },
    );
  }
}

/** The results into `outDir` and the failed runs: through the results API, or from the store for an admin's --mongo-uri. */
async function downloadFinished(
  api: ClusterApi,
  campaign: SimulationCampaign,
  input: ClusterRunInput,
  outDir: string,
): Promise<{ files: number; failed: FailedRun[]; missing: MissingFile[]; missingCount: number }> {
  const name = campaign.metadata.name ?? '';
  if (!readsStoreDirectly(input.mongo, input.ctx.env)) {
    const results = resultsApi(api);
    const download = await downloadArchive(results, name, outDir);
    return { files: download.files, failed: await failedRunsThroughApi(results, name), missing: download.missing, missingCount: download.missingCount };
  }
  const results = await openResultsDb(input.mongo, input.ctx.env, async () => api);
  try {
    const download = await downloadResults(results.db, resultSources(campaign), outDir);
    return { files: download.files, failed: await failedRunsOf(results.db, campaign.metadata.uid ?? ''), missing: download.missing, missingCount: download.missingCount };
  } finally {
    await results.close();
  }
}

/** Every failed run of the campaign from the store (the status lists only the first few). */
export async function failedRunsOf(db: Db, campaignUid: string): Promise<FailedRun[]> {
  const docs = await runsOf(db)
    .find({ campaignUid, status: 'failed' }, { projection: { run: 1, attempts: 1, reason: 1, exitCode: 1, errorLine: 1, message: 1 } })
    .sort({ run: 1 })
    .toArray();
  return docs.map((d) => ({
    run: d.run,
    attempts: d.attempts,
    reason: (d.reason ?? 'SimulationError') as RunReason,
    exitCode: d.exitCode ?? null,
    errorLine: d.errorLine ?? d.message,
  }));
}
