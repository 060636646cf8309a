// `inet-swarm rerun NAME --failed`: a new campaign of the same build and
// config with only the runs that have no stored success (failed, or never
// run). The new campaign names the campaigns it completes, so `results` of it
// downloads the merged set.
import { Command } from 'commander';
import { API_VERSION, SIMULATION_CAMPAIGN, type SimulationCampaign } from '../../api/v1alpha1.ts';
import { readCampaign } from '../../lib/store/campaigns.ts';
import { runsOf } from '../../lib/store/store.ts';
import type { CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { compressRuns, MERGE_ANNOTATION, RERUN_OF_ANNOTATION, rerunName, runsToRerun } from '../campaign/decide.ts';
import { createCampaign, getCampaign, openCluster } from '../campaign/kube.ts';
import { openResultsDb } from '../campaign/mongo.ts';
import { commandOptions, print, withMongoOptions } from '../campaign/options.ts';
import { reattachHints } from '../campaign/run.ts';
import { succeededRuns, resultSources } from '../campaign/results.ts';

/** The rerun campaign of `original` for `runs`. */
export function rerunCampaign(original: SimulationCampaign, runs: number[], sources: string[], now: Date): SimulationCampaign {
  const name = original.metadata.name ?? '';
  return {
    apiVersion: API_VERSION,
    kind: SIMULATION_CAMPAIGN.kind,
    metadata: {
      name: rerunName(name, now),
      namespace: original.metadata.namespace,
      labels: { ...(original.metadata.labels ?? {}) },
      annotations: { [RERUN_OF_ANNOTATION]: name, [MERGE_ANNOTATION]: sources.join(',') },
    },
    spec: { ...original.spec, runFilter: compressRuns(runs), suspend: false },
  };
}

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
    const uid = original.metadata.uid ?? '';
    const sources = resultSources(original);
    const results = await openResultsDb(mongo, ctx.env, async () => api);
    let selection;
    try {
      const { chosen } = await succeededRuns(results.db, sources);
      const recorded = (await runsOf(results.db).find({ campaignUid: uid }, { projection: { run: 1 } }).toArray()).map((d) => d.run);
      const total = original.status?.runs?.total ?? (await readCampaign(results.db, uid))?.total;
      selection = runsToRerun({ total, runFilter: original.spec.runFilter, succeeded: [...chosen.keys()], recorded });
    } finally {
      await results.close();
    }
    const notes = selection.complete
      ? []
      : [`The run filter of ${name} is an expression: only runs that left a record can be rerun; runs never started are not included.`];
    if (selection.runs.length === 0) {
      print(ctx, globals.json, { campaign: name, runs: [], created: undefined, notes }, `Nothing to rerun: every run of ${name} has a stored success.\n`);
      return;
    }
    const created = await createCampaign(api, rerunCampaign(original, selection.runs, sources, ctx.now()));
    const newName = created.metadata.name ?? '';
    print(
      ctx,
      globals.json,
      { campaign: name, created: newName, namespace: api.namespace, runs: selection.runs, runFilter: created.spec.runFilter, notes },
      `Created campaign ${newName} with ${selection.runs.length} run(s) of ${name}: ${created.spec.runFilter ?? ''}\n` +
        notes.map((n) => `Note: ${n}\n`).join('') +
        reattachHints(api.namespace, newName).slice(0, 1).join('\n') +
        `\nMerged results with: inet-swarm results ${newName} -n ${api.namespace}\n`,
    );
  });
}
