// `inet-swarm logs NAME --run N | --build`: a run's output (its stored output
// tail, or its .out file when the campaign keeps them) or the build's log (the
// builder pod's log through the API, else the tail the build recorded).
import { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { CliError, UsageError } from '../errors.ts';
import { findBuild, getCampaign, openCluster, type ClusterApi } from '../campaign/kube.ts';
import { commandOptions, print, withMongoOptions } from '../campaign/options.ts';
import { resultSources, runLog } from '../campaign/results.ts';
import { parseCount } from '../options.ts';
import { openResultsDb } from '../campaign/mongo.ts';

/** The builder's log: the live pod's (newest pod of the build Job), else the log tail of the build's failure. */
export async function buildLog(api: ClusterApi, buildName: string): Promise<{ source: string; text: string }> {
  try {
    const pods = await api.core.listNamespacedPod({ namespace: api.namespace, labelSelector: `job-name=${buildName}-build` });
    const newest = pods.items.sort((a, b) => String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? '')))[0];
    if (newest?.metadata?.name) {
      const text = await api.core.readNamespacedPodLog({ name: newest.metadata.name, namespace: api.namespace, tailLines: 500 });
      if (typeof text === 'string' && text !== '') return { source: `pod ${newest.metadata.name}`, text };
    }
  } catch {
    // No pod log (pod gone, node without a kubelet): the recorded tail below.
  }
  const build = await findBuild(api, buildName);
  if (!build) throw new CliError(`The campaign's build ${buildName} does not exist in namespace ${api.namespace}.`);
  const failure = build.status?.failure;
  if (failure?.logTail || failure?.message) {
    return { source: `InetBuild ${buildName} status`, text: `${failure.reason ?? 'Failed'}: ${failure.message ?? ''}\n${failure.logTail ?? ''}` };
  }
  return { source: `InetBuild ${buildName} status`, text: `Build ${buildName} is ${build.status?.phase ?? 'Pending'}; no log is available (the builder pod is gone).\n` };
}

export function makeLogsCommand(ctx: CliContext): Command {
  return withMongoOptions(
    new Command('logs')
      .summary("show a run's output or the build log of a campaign")
      .description(
        "--run N shows run N's status, error line and output (its .out file when the campaign stores .out files, else " +
          'the output tail the runner recorded). --build shows the log of the build the campaign uses.\n\n' +
          'Examples:\n  inet-swarm logs aloha-20261121-204500 --run 14\n  inet-swarm logs aloha-20261121-204500 --build',
      )
      .argument('<name>', 'campaign name')
      .option('--run <n>', 'the run number', (v) => parseCount(v, '--run', 0))
      .option('--build', "the build's log"),
  ).action(async (name: string, _opts: unknown, command: Command) => {
    const { globals, mongo, options } = commandOptions<{ run?: number; build?: boolean }>(command);
    if ((options.run === undefined) === (options.build !== true)) throw new UsageError('logs: give either --run N or --build');
    const api = await openCluster(ctx.env, globals);
    const campaign = await getCampaign(api, name);
    if (options.build) {
      const log = await buildLog(api, campaign.spec.buildRef.name);
      print(ctx, globals.json, { campaign: name, build: campaign.spec.buildRef.name, ...log }, log.text.endsWith('\n') ? log.text : `${log.text}\n`);
      return;
    }
    const run = options.run ?? 0;
    const results = await openResultsDb(mongo, ctx.env, async () => api);
    try {
      const found = await runLog(results.db, resultSources(campaign), run);
      if (!found) throw new CliError(`Run ${run} of campaign ${name} has no record yet (not started, or not a run of this campaign).`);
      const d = found.doc;
      const head =
        `Run ${run}: ${d.status}, ${d.attempts} attempt(s)` +
        (d.reason && d.reason !== 'Succeeded' ? `, ${d.reason}` : '') +
        (d.exitCode !== undefined && d.exitCode !== null ? `, exit code ${d.exitCode}` : '') +
        (d.runnerPod ? `, on ${d.runnerPod}` : '');
      const error = d.errorLine ?? (d.status === 'failed' ? d.message : undefined);
      const output = found.out ?? d.outputTail ?? '';
      print(
        ctx,
        globals.json,
        { campaign: name, run, status: d.status, attempts: d.attempts, reason: d.reason, exitCode: d.exitCode, errorLine: error, output },
        `${head}\n${error ? `${error}\n` : ''}${output ? `--- ${found.out !== undefined ? '.out' : 'output tail'} ---\n${output}${output.endsWith('\n') ? '' : '\n'}` : ''}`,
      );
    } finally {
      await results.close();
    }
  });
}
