// `inet-swarm rerun NAME --failed`: a new campaign of the same build and
// config with only the runs that have no stored success (failed, or never
// run). The new campaign names the campaigns it completes, so `results` of it
// downloads the merged set. Which runs succeeded comes from the results API
// (paged), or for admins from the store directly (--mongo-uri).
import { Command } from 'commander';
import { createCampaign, getCampaign, openCluster } from '../campaign/kube.ts';
import { readsStoreDirectly, withResultsDb } from '../campaign/mongo.ts';
import { resultsApi } from '../campaign/results-api.ts';
import { rerunInputOf } from '../campaign/results-reads.ts';
import { rerunInput } from '../campaign/results.ts';
import type { CliContext } from '../context.ts';
import { rerunCampaign, rerunNotes, runsToRerun } from '../data/rerun.ts';
import { resultSources } from '../../lib/store/sources.ts';
import { UsageError } from '../errors.ts';
import { commandOptions, withMongoOptions } from '../options.ts';
import { nothingToRerunText, rerunCreatedText } from '../output/messages.ts';
import { print } from '../output/print.ts';

export function makeRerunCommand(ctx: CliContext): Command {
  return withMongoOptions(
    new Command('rerun')
      .summary('run the failed or missing runs of a campaign again, as a new campaign')
      .description(
        'Creates a new campaign of the same build and config with exactly the runs that have no stored success ' +
          '(failed, or never run). `inet-swarm results NEW` then downloads the merged results of both.\n\n' +
          'Example: inet-swarm rerun aloha-20261121-204500 --failed',
      )
      .argument('<name>', 'campaign name')
      .option('--failed', 'rerun the failed and missing runs (required)'),
  ).action(async (name: string, _opts: unknown, command: Command) => {
    const { globals, mongo, options } = commandOptions<{ failed?: boolean }>(command);
    if (options.failed !== true) throw new UsageError('rerun: --failed is required (it reruns the failed and missing runs)');
    const api = await openCluster(ctx.env, globals);
    const original = await getCampaign(api, name);
    const sources = resultSources(original);
    const input = readsStoreDirectly(mongo, ctx.env)
      ? await withResultsDb(mongo, ctx.env, async () => api, (db) => rerunInput(db, original, sources))
      : await rerunInputOf(resultsApi(api), original);
    const selection = runsToRerun(input);
    const notes = rerunNotes(name, selection);
    if (selection.runs.length === 0) {
      print(ctx, globals.json, { campaign: name, runs: [], created: undefined, notes }, nothingToRerunText(name));
      return;
    }
    const created = await createCampaign(api, rerunCampaign(original, selection.runs, sources, ctx.now()));
    const newName = created.metadata.name ?? '';
    const runFilter = created.spec.runFilter;
    print(
      ctx,
      globals.json,
      { campaign: name, created: newName, namespace: api.namespace, runs: selection.runs, runFilter, notes },
      rerunCreatedText({ name, created: newName, namespace: api.namespace, runFilter: runFilter ?? '', selection, notes }),
    );
  });
}
