// `inet-swarm logs NAME --run N | --build`: a run's output (its stored output
// tail, or its .out file when the campaign keeps them) or the build's log (the
// builder pod's log through the API, else the tail the build recorded). A
// run's log comes from the results API's RunDetail (the end of its .out), or,
// for admins, from the store directly (the whole .out).
import { Command } from 'commander';
import { builderPodLog, findBuild, getCampaign, openCluster, type ClusterApi } from '../campaign/kube.ts';
import { readsStoreDirectly, withResultsDb } from '../campaign/mongo.ts';
import { resultsApi } from '../campaign/results-api.ts';
import { runDetail } from '../campaign/results-reads.ts';
import { runLog } from '../campaign/results.ts';
import type { CliContext } from '../context.ts';
import { recordedBuildLog, runLogView, runLogViewOfDetail, type BuildLog, type RunLogView } from '../data/logs.ts';
import { resultSources } from '../../lib/store/sources.ts';
import { CliError, UsageError } from '../errors.ts';
import { commandOptions, parseCount, withMongoOptions } from '../options.ts';
import { formatBuildLog, formatRunLog, runLogJson } from '../output/logs.ts';
import { print } from '../output/print.ts';

/** The builder's log: the live pod's (newest pod of the build Job), else the log tail of the build's failure. */
export async function buildLog(api: ClusterApi, buildName: string): Promise<BuildLog> {
  const live = await builderPodLog(api, buildName);
  if (live) return live;
  const build = await findBuild(api, buildName);
  if (!build) throw new CliError(`The campaign's build ${buildName} does not exist in namespace ${api.namespace}.`);
  return recordedBuildLog(buildName, build);
}

export function makeLogsCommand(ctx: CliContext): Command {
  return withMongoOptions(
    new Command('logs')
      .summary("show a run's output or the build log of a campaign")
      .description(
        "--run N shows run N's status, error line and output (the end of its .out file when the campaign stores .out " +
          'files, else the output tail the runner recorded), read through the results API; with --mongo-uri, from the ' +
          'store directly (the whole .out). --build shows the log of the build the campaign uses.\n\n' +
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
      const build = campaign.spec.buildRef.name;
      const log = await buildLog(api, build);
      print(ctx, globals.json, { campaign: name, build, ...log }, formatBuildLog(log));
      return;
    }
    const run = options.run ?? 0;
    const view: RunLogView = readsStoreDirectly(mongo, ctx.env)
      ? await withResultsDb(mongo, ctx.env, async () => api, async (db) => {
          const found = await runLog(db, resultSources(campaign), run);
          if (!found) throw new CliError(`Run ${run} of campaign ${name} has no record yet (not started, or not a run of this campaign).`);
          return runLogView(run, found.doc, found.out);
        })
      : runLogViewOfDetail(await runDetail(resultsApi(api), name, run));
    print(ctx, globals.json, runLogJson(name, view), formatRunLog(view));
  });
}
