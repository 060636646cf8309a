// `inet-swarm results NAME`: downloads the result files of every succeeded run
// into a folder with OMNeT++'s own names, and/or exports the scalars as CSV
// straight from the store. Works for cancelled (deleted) campaigns too: their
// results stay in the store and are found by namespace and name.
import path from 'node:path';
import { Command } from 'commander';
import type { CliContext, GlobalOptions } from '../context.ts';
import { CliError } from '../errors.ts';
import { findCampaign, openCluster, type ClusterApi } from '../campaign/kube.ts';
import { openResultsDb, type MongoOptions, type ResultsDb } from '../campaign/mongo.ts';
import { commandOptions, print, withMongoOptions } from '../campaign/options.ts';
import { downloadResults, exportScalarsCsv, resultSources, storedCampaignUid } from '../campaign/results.ts';

/** The store connection and the campaign uids whose results make up NAME's (oldest first). */
export async function openCampaignResults(
  ctx: CliContext,
  globals: GlobalOptions,
  mongo: MongoOptions,
  name: string,
): Promise<{ api: ClusterApi; results: ResultsDb; sources: string[] }> {
  const api = await openCluster(ctx.env, globals);
  const campaign = await findCampaign(api, name);
  const results = await openResultsDb(mongo, ctx.env, async () => api);
  try {
    if (campaign) return { api, results, sources: resultSources(campaign) };
    const uid = await storedCampaignUid(results.db, api.namespace, name);
    if (!uid) {
      throw new CliError(`No campaign '${name}' in namespace ${api.namespace}, and the result store has no results of one. See the campaigns with: inet-swarm list`);
    }
    return { api, results, sources: [uid] };
  } catch (err) {
    await results.close();
    throw err;
  }
}

export function makeResultsCommand(ctx: CliContext): Command {
  return withMongoOptions(
    new Command('results')
      .summary("download a campaign's result files, or export its scalars as CSV")
      .description(
        'Downloads the result files (.sca, .vec, .vci, and .out when stored) of every succeeded run into --out with the ' +
          'names OMNeT++ gives them; each .vec gets the mtime its .vci records. The results of a rerun include those of ' +
          'the campaigns it completes. --scalars-csv writes every scalar (run, iteration variables, module, name, value) ' +
          'from the store without downloading files; give --out as well to do both.\n\n' +
          'Examples:\n  inet-swarm results aloha-20261121-204500\n  inet-swarm results aloha-20261121-204500 --scalars-csv aloha.csv',
      )
      .argument('<name>', 'campaign name')
      .option('-o, --out <dir>', 'folder for the result files', 'results')
      .option('--scalars-csv <file>', 'write the scalars to this CSV file'),
  ).action(async (name: string, _opts: unknown, command: Command) => {
    const { globals, mongo, options } = commandOptions<{ out: string; scalarsCsv?: string }>(command);
    const downloadFiles = options.scalarsCsv === undefined || command.getOptionValueSource('out') === 'cli';
    const { results, sources } = await openCampaignResults(ctx, globals, mongo, name);
    try {
      const data: Record<string, unknown> = { campaign: name, sources };
      const lines: string[] = [];
      if (downloadFiles) {
        const download = await downloadResults(results.db, sources, path.resolve(ctx.cwd, options.out));
        Object.assign(data, { runs: download.runs, files: download.files, bytes: download.bytes, outDir: download.outDir });
        lines.push(`Downloaded ${download.files} files of ${download.runs} runs into ${path.relative(ctx.cwd, download.outDir) || '.'}`);
      }
      if (options.scalarsCsv !== undefined) {
        const file = path.resolve(ctx.cwd, options.scalarsCsv);
        const csv = await exportScalarsCsv(results.db, sources, file);
        Object.assign(data, { scalarsCsv: file, scalarRows: csv.rows, scalarRuns: csv.runs });
        lines.push(`Wrote ${csv.rows} scalars of ${csv.runs} runs to ${path.relative(ctx.cwd, file)}`);
      }
      print(ctx, globals.json, data, `${lines.join('\n')}\n`);
    } finally {
      await results.close();
    }
  });
}
