// The cluster mode of `inet-swarm run`: InetBuild (reused when the same commit
// was built before), SimulationCampaign, live progress from the campaign's
// status, then the results into results/ and a summary. Ctrl-C detaches: the
// campaign keeps running and the user is told how to come back or cancel.
import path from 'node:path';
import type { CampaignManifests } from './manifests.ts';
import type { CliContext, GlobalOptions } from '../context.ts';
import { CliError, ExitCode } from '../errors.ts';
import type { CampaignSummary, FailedRun } from '../output/events.ts';
import type { RunReason } from '../../lib/engine/decide.ts';
import { runsOf } from '../../lib/store/store.ts';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import type { Db } from 'mongodb';
import { statusView } from './decide.ts';
import { createCampaign, ensureBuild, openCluster, type ClusterApi } from './kube.ts';
import { openResultsDb, type MongoOptions } from './mongo.ts';
import { downloadResults, resultSources } from './results.ts';
import { campaignElapsedMs, followCampaign, statusReporter } from './watch.ts';

/** What a cluster `run` returns; `detached` after Ctrl-C (the campaign keeps running). */
export interface ClusterRunResult {
  kind: 'cluster';
  namespace: string;
  campaign: string;
  build: string;
  buildCreated: boolean;
  detached: boolean;
  summary: CampaignSummary;
  notes: string[];
}

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

/** The commands that reattach to or cancel a campaign, exactly as the user types them. */
export function reattachHints(namespace: string, name: string): string[] {
  return [
    `Reattach with:  inet-swarm status ${name} --watch -n ${namespace}`,
    `Cancel with:    inet-swarm cancel ${name} -n ${namespace}`,
    `Results with:   inet-swarm results ${name} -n ${namespace}`,
  ];
}

/** Submits the campaign, follows it to the end (or until Ctrl-C) and downloads its results. */
export async function runOnCluster(input: ClusterRunInput): Promise<ClusterRunResult> {
  const { ctx, globals } = input;
  const api = await openCluster(ctx.env, globals);
  const manifests = input.manifestsFor(api.namespace);
  const { build, created } = await ensureBuild(api, manifests.build);
  const buildName = build.metadata.name ?? '';
  ctx.stderr.write(
    created
      ? `Created build ${buildName} of ${manifests.build.spec.source.revision.slice(0, 12)}\n`
      : `Reusing build ${buildName}${build.status?.phase ? ` (${build.status.phase})` : ''}\n`,
  );
  const campaign = await createCampaign(api, manifests.campaign);
  const name = campaign.metadata.name ?? '';
  const hints = reattachHints(api.namespace, name);
  ctx.stderr.write(`Created campaign ${name} in namespace ${api.namespace}; Ctrl-C detaches, the campaign keeps running\n`);
  if (globals.json) {
    const event = { time: ctx.now().toISOString(), type: 'submitted', namespace: api.namespace, campaign: name, build: buildName, buildCreated: created };
    ctx.stdout.write(`${JSON.stringify(event)}\n`);
  }

  const controller = new AbortController();
  const stopListening = ctx.onInterrupt((count) => {
    if (count === 1) controller.abort();
  });
  const reporter = statusReporter({ stdout: ctx.stdout, stderr: ctx.stderr }, globals.json, ctx.now);
  let end;
  try {
    end = await followCampaign(api, name, { signal: controller.signal, intervalMs: input.intervalMs, onChange: (c) => reporter.show(c) });
  } finally {
    reporter.close();
    stopListening();
  }
  const base = { kind: 'cluster' as const, namespace: api.namespace, campaign: name, build: buildName, buildCreated: created };
  const outDir = path.resolve(ctx.cwd, input.out);
  if (end.kind === 'deleted') {
    throw new CliError(`Campaign ${name} was deleted (cancelled) while running. ${hints[2]}`);
  }
  if (end.kind === 'aborted') {
    const view = statusView(end.campaign ?? campaign);
    return {
      ...base,
      detached: true,
      summary: {
        mode: 'cluster',
        config: view.config,
        total: view.total ?? 0,
        succeeded: view.succeeded,
        failed: [],
        notRun: Math.max(0, (view.total ?? 0) - view.succeeded - view.failed),
        interrupted: true,
        elapsedMs: campaignElapsedMs(view, ctx.now()),
        parallelism: campaign.spec.execution?.parallelism ?? 0,
        outDir,
        files: 0,
      },
      notes: [`Detached from campaign ${name}: it keeps running on the cluster.`, ...hints],
    };
  }
  return { ...base, detached: false, ...(await finish(api, end.campaign, input, outDir)) };
}

async function finish(api: ClusterApi, campaign: SimulationCampaign, input: ClusterRunInput, outDir: string): Promise<{ summary: CampaignSummary; notes: string[] }> {
  const view = statusView(campaign);
  const name = view.name;
  if (view.total === undefined || (view.phase === 'Failed' && view.succeeded + view.failed === 0)) {
    throw new CliError(
      `Campaign ${name} ended ${view.phase} before running anything${view.message ? `: ${view.message}` : ''}. ` +
        `See the build log with: inet-swarm logs ${name} --build -n ${api.namespace}`,
    );
  }
  let results;
  try {
    results = await openResultsDb(input.mongo, input.ctx.env, async () => api);
  } catch (err) {
    throw new CliError(
      `Campaign ${name} finished ${view.phase} (${view.succeeded} succeeded, ${view.failed} failed), but its results could not be ` +
        `downloaded: ${(err as Error).message}\nTry again with: inet-swarm results ${name} -n ${api.namespace} --mongo-uri <uri>`,
      { cause: err },
    );
  }
  try {
    const sources = resultSources(campaign);
    const download = await downloadResults(results.db, sources, outDir);
    const failed = await failedRunsOf(results.db, campaign.metadata.uid ?? '');
    return {
      summary: {
        mode: 'cluster',
        config: view.config,
        total: view.total,
        succeeded: view.succeeded,
        failed,
        notRun: Math.max(0, view.total - view.succeeded - failed.length),
        interrupted: false,
        elapsedMs: campaignElapsedMs(view, input.ctx.now()),
        parallelism: campaign.spec.execution?.parallelism ?? 0,
        outDir,
        files: download.files,
      },
      notes: failed.length > 0 ? [`Rerun the failed runs with: inet-swarm rerun ${name} --failed -n ${api.namespace}`] : [],
    };
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

/** 0 when every run succeeded, 130 after detaching, 1 when runs failed or never ran. */
export function clusterExitCode(result: ClusterRunResult): number {
  if (result.detached) return ExitCode.interrupted;
  return result.summary.failed.length > 0 || result.summary.notRun > 0 ? ExitCode.failure : ExitCode.ok;
}
