// `inet-swarm results NAME`: downloads the result files of every succeeded run
// into a folder with OMNeT++'s own names, and/or exports the scalars as CSV
// without touching files. Reads through the results API with the user's
// kubeconfig (the archive, resumable; the service's CSV-R export), or, for
// admins, the store directly (--mongo-uri, --mongo-port-forward). Works for
// cancelled (deleted) campaigns too: their results stay in the store and are
// found by namespace and name.
import path from 'node:path';
import { Command } from 'commander';
import type { CampaignSummary } from '../../api/results.ts';
import { findCampaign, openCluster, type ClusterApi } from '../campaign/kube.ts';
import { downloadArchive } from '../campaign/archive-download.ts';
import { openResultsDb, readsStoreDirectly, type MongoOptions, type ResultsDb } from '../campaign/mongo.ts';
import { resultsApi } from '../campaign/results-api.ts';
import { downloadScalarsCsv } from '../campaign/results-reads.ts';
import { downloadResults, exportScalarsCsv, storedCampaignUid, type MissingFile } from '../campaign/results.ts';
import type { CliContext, GlobalOptions } from '../context.ts';
import { resultSources } from '../../lib/store/sources.ts';
import { CliError, ExitCode } from '../errors.ts';
import { commandOptions, withMongoOptions } from '../options.ts';
import { missingFileLine, resultsText } from '../output/messages.ts';
import { print } from '../output/print.ts';

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

/** What `results` did, as its --json document. */
interface ResultsDone {
  campaign: string;
  sources: string[];
  runs?: number;
  files?: number;
  bytes?: number;
  outDir?: string;
  /** Files the runs' records name that the store no longer holds (the others were downloaded), and how many. */
  missing?: MissingFile[];
  missingCount?: number;
  scalarsCsv?: string;
  scalarRows?: number;
  scalarRuns?: number;
}

/** Downloads the files (into `outDir`, when given) and writes the scalars (to `csvFile`, when given), from the store. */
async function fetchResults(results: ResultsDb, done: ResultsDone, outDir: string | undefined, csvFile: string | undefined): Promise<ResultsDone> {
  if (outDir !== undefined) {
    const download = await downloadResults(results.db, done.sources, outDir);
    Object.assign(done, { runs: download.runs, files: download.files, bytes: download.bytes, outDir: download.outDir, missing: download.missing, missingCount: download.missingCount });
  }
  if (csvFile !== undefined) {
    const csv = await exportScalarsCsv(results.db, done.sources, csvFile);
    Object.assign(done, { scalarsCsv: csvFile, scalarRows: csv.rows, scalarRuns: csv.runs });
  }
  return done;
}

/** The same through the results API: the archive and the service's CSV-R export. */
async function fetchThroughApi(ctx: CliContext, globals: GlobalOptions, done: ResultsDone, outDir: string | undefined, csvFile: string | undefined): Promise<ResultsDone> {
  const api = resultsApi(await openCluster(ctx.env, globals));
  // First the summary: a campaign that does not exist, or a namespace the user may not read, is told before any stream.
  done.sources = (await api.json<CampaignSummary>(api.campaign(done.campaign), `reading campaign ${done.campaign}`)).sources;
  if (outDir !== undefined) {
    const download = await downloadArchive(api, done.campaign, outDir);
    Object.assign(done, { runs: download.runs, files: download.files, bytes: download.bytes, outDir: download.outDir, missing: download.missing, missingCount: download.missingCount });
  }
  if (csvFile !== undefined) {
    const csv = await downloadScalarsCsv(api, done.campaign, csvFile);
    Object.assign(done, { scalarsCsv: csvFile, scalarRows: csv.rows, scalarRuns: csv.runs });
  }
  return done;
}

function describeDone(done: ResultsDone, cwd: string): string {
  return resultsText({
    ...(done.outDir !== undefined ? { download: { files: done.files ?? 0, runs: done.runs ?? 0, outDir: path.relative(cwd, done.outDir), missing: done.missingCount ?? 0 } } : {}),
    ...(done.scalarsCsv !== undefined ? { csv: { rows: done.scalarRows ?? 0, runs: done.scalarRuns ?? 0, file: path.relative(cwd, done.scalarsCsv) } } : {}),
  });
}

/** Prints what `results` did: each missing file on stderr first, and a failure exit when any is (the folder lacks files a run stored). */
function report(ctx: CliContext, globals: GlobalOptions, done: ResultsDone): void {
  for (const m of done.missing ?? []) ctx.stderr.write(missingFileLine(m));
  if ((done.missingCount ?? 0) > 0) ctx.exitCode = ExitCode.failure;
  print(ctx, globals.json, done, describeDone(done, ctx.cwd));
}

export function makeResultsCommand(ctx: CliContext): Command {
  return withMongoOptions(
    new Command('results')
      .summary("download a campaign's result files, or export its scalars as CSV")
      .description(
        'Downloads the result files (.sca, .vec, .vci, and .out when stored) of every succeeded run into --out with the ' +
          'names OMNeT++ gives them; each .vec gets the mtime its .vci records. The results of a rerun include those of ' +
          'the campaigns it completes. An interrupted download continues where it stopped when run again into the same ' +
          'folder. --scalars-csv writes every scalar in the layout of opp_scavetool export -F CSV-R without downloading ' +
          'files; give --out as well to do both. Reads through the results API with your kubeconfig (you need get on ' +
          "simulationcampaigns in the namespace); --mongo-uri is the admins' direct way to the store.\n\n" +
          'Examples:\n  inet-swarm results aloha-20261121-204500\n  inet-swarm results aloha-20261121-204500 --scalars-csv aloha.csv',
      )
      .argument('<name>', 'campaign name')
      .option('-o, --out <dir>', 'folder for the result files', 'results')
      .option('--scalars-csv <file>', 'write the scalars to this CSV file'),
  ).action(async (name: string, _opts: unknown, command: Command) => {
    const { globals, mongo, options } = commandOptions<{ out: string; scalarsCsv?: string }>(command);
    const downloadFiles = options.scalarsCsv === undefined || command.getOptionValueSource('out') === 'cli';
    const outDir = downloadFiles ? path.resolve(ctx.cwd, options.out) : undefined;
    const csvFile = options.scalarsCsv === undefined ? undefined : path.resolve(ctx.cwd, options.scalarsCsv);
    if (!readsStoreDirectly(mongo, ctx.env)) {
      const done = await fetchThroughApi(ctx, globals, { campaign: name, sources: [] }, outDir, csvFile);
      report(ctx, globals, done);
      return;
    }
    const { results, sources } = await openCampaignResults(ctx, globals, mongo, name);
    try {
      const done = await fetchResults(results, { campaign: name, sources }, outDir, csvFile);
      report(ctx, globals, done);
    } finally {
      await results.close();
    }
  });
}
