// `inet-swarm run`: one ini config of the model in the current folder, either
// on the cluster (from the pushed commit) or with --local on this machine.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import type { SimulationSpec } from '../../lib/engine/command.ts';
import { PermanentError } from '../../lib/errors.ts';
import { campaignManifests, type CampaignManifests } from '../campaign/manifests.ts';
import type { ClusterRunResult } from '../campaign/run.ts';
import type { CliContext, GlobalOptions } from '../context.ts';
import { CliError, ExitCode } from '../errors.ts';
import { checkGitState } from '../git/decide.ts';
import { findRepositoryRoot, readGitState } from '../git/state.ts';
import { planLocalRuns, runLocalCampaign } from '../local/engine.ts';
import { parseCount, parseDuration } from '../options.ts';
import type { CampaignSummary } from '../output/events.ts';
import { createReporter } from '../output/progress.ts';
import { formatSummary } from '../output/summary.ts';
import { detectProject, type Project } from '../project/detect.ts';

/** Options of `run` after parsing. */
export interface RunOptions {
  config: string;
  runFilter?: string | undefined;
  iniFile: string[];
  local: boolean;
  /** Undefined on the cluster path means the CRD's default parallelism. */
  jobs: number | undefined;
  runTimeout: number;
  maxAttempts: number;
  retrySimulationErrors: boolean;
  out: string;
  allowDirty: boolean;
  executable?: string | undefined;
  dryRun: boolean;
  omnetpp: string;
  mode: 'release' | 'debug';
  buildCommand: string[];
  rebuild: boolean;
  killGrace: number;
  mongoUri?: string | undefined;
  mongoDatabase?: string | undefined;
}

/** What `run` returns: a finished local campaign, or the objects of a cluster campaign. */
export type RunResult =
  | { kind: 'local'; summary: CampaignSummary; notes: string[] }
  | { kind: 'manifests'; manifests: CampaignManifests; notes: string[] }
  | ClusterRunResult;

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** The `run` command; its action does the work in `executeRun` and prints with `printRunResult`. */
export function makeRunCommand(ctx: CliContext): Command {
  return new Command('run')
    .summary('run one ini config of the model in this folder, on the cluster or with --local here')
    .description(
      [
        'Runs every run of one ini config (optionally filtered with -r) of the simulation in the current folder.',
        'On the cluster (the default), the cluster builds the commit that is checked out, so the working tree must be ' +
          'clean and HEAD must be on the remote the branch tracks (else origin). With --local, the runs execute on ' +
          'this machine through the same runner engine (timeouts, retries, result layout), with the working tree as ' +
          'it is and no cluster.',
        'Result files go into results/ (or --out) with the names OMNeT++ gives them, as with opp_runall.',
        'Exit codes: 0 when every run succeeded; 1 when runs failed, or on errors; 2 for usage errors; 130 when ' +
          'cancelled with Ctrl-C (--local stops the running simulations and keeps the results of finished runs).',
      ].join('\n\n'),
    )
    .option('-c, --config <name>', 'ini config to run', 'General')
    .option('-r, --run-filter <filter>', "runs to execute, opp_run -r syntax: '0..9', '1,5-9', '$numHosts>10'")
    .option('-f, --ini-file <file>', 'ini file, relative to this folder; repeat for several (default: omnetpp.ini)', collect)
    .option('--local', 'run on this machine instead of the cluster (needs no git and no cluster)')
    .option(
      '-j, --jobs <n>',
      'simultaneous runs: local workers with --local (default: the number of cores), else runner pods',
      (v) => parseCount(v, '--jobs'),
    )
    .addOption(
      new Option('--run-timeout <duration>', 'wall-clock limit per attempt (30s, 5m, 1h): SIGTERM, then SIGKILL')
        .argParser((v) => parseDuration(v, '--run-timeout'))
        .default(0, 'none'),
    )
    .option(
      '--max-attempts <n>',
      'attempts per run for crashes and timeouts; simulation errors fail at once',
      (v) => parseCount(v, '--max-attempts'),
      3,
    )
    .option('--retry-simulation-errors', 'retry runs that end with an OMNeT++ error (<!> Error:) as well')
    .option('-o, --out <dir>', 'folder for the result files, relative to this folder', 'results')
    .option(
      '--allow-dirty',
      'submit although the working tree has uncommitted changes; the cluster builds the pushed commit, so the ' +
        'changes are NOT in the build (with --local the working tree is always used as it is)',
    )
    .option('--executable <path>', 'executable of a standalone model, when it cannot be detected')
    .option('--dry-run', 'print the InetBuild and SimulationCampaign objects instead of submitting them')
    .option('--omnetpp <version>', 'OMNeT++ version of the cluster build', '6.1')
    .addOption(new Option('--mode <mode>', 'build mode on the cluster').choices(['release', 'debug']).default('release'))
    .option('--build-command <cmd>', 'build command on the cluster instead of the default; repeat for several', collect)
    .option('--rebuild', 'build the commit again on the cluster even if a build of it exists')
    .addOption(
      new Option('--kill-grace <duration>', 'time between SIGTERM and SIGKILL when a run is stopped')
        .argParser((v) => parseDuration(v, '--kill-grace'))
        .default(5000, '5s'),
    )
    .option('--mongo-uri <uri>', 'result store URI for the download (env INETSWARM_MONGO_URI; default: a port-forward the CLI opens)')
    .option('--mongo-database <name>', 'database of the result store (env INETSWARM_MONGO_DATABASE)')
    .argument('[simulation-args...]', 'extra arguments for every run, after --, e.g. -- --sim-time-limit=10s')
    .showHelpAfterError('(run inet-swarm run --help for usage)')
    .action(async (simulationArgs: string[], _opts: unknown, command: Command) => {
      const raw = command.optsWithGlobals<GlobalOptions & Partial<RunOptions>>();
      const globals: GlobalOptions = { namespace: raw.namespace, context: raw.context, json: raw.json === true };
      const options = normalizeRunOptions(raw);
      const result = await executeRun(options, simulationArgs, globals, ctx);
      printRunResult(result, globals, ctx);
      ctx.exitCode = runExitCode(result);
    });
}

/** Fills in what commander leaves undefined (boolean flags not given, repeatable options not used). */
export function normalizeRunOptions(raw: Partial<RunOptions>): RunOptions {
  return {
    config: raw.config ?? 'General',
    runFilter: raw.runFilter,
    iniFile: raw.iniFile ?? [],
    local: raw.local === true,
    jobs: raw.jobs ?? (raw.local === true ? availableParallelism() : undefined),
    runTimeout: raw.runTimeout ?? 0,
    maxAttempts: raw.maxAttempts ?? 3,
    retrySimulationErrors: raw.retrySimulationErrors === true,
    out: raw.out ?? 'results',
    allowDirty: raw.allowDirty === true,
    executable: raw.executable,
    dryRun: raw.dryRun === true,
    omnetpp: raw.omnetpp ?? '6.1',
    mode: raw.mode ?? 'release',
    buildCommand: raw.buildCommand ?? [],
    rebuild: raw.rebuild === true,
    killGrace: raw.killGrace ?? 5000,
    mongoUri: raw.mongoUri,
    mongoDatabase: raw.mongoDatabase,
  };
}

/** 0 when everything succeeded, 130 after Ctrl-C (cluster: detached), 1 when runs failed. */
export function runExitCode(result: RunResult): number {
  if (result.kind === 'manifests') return ExitCode.ok;
  if (result.kind === 'cluster' && result.detached) return ExitCode.interrupted;
  if (result.summary.interrupted) return ExitCode.interrupted;
  return result.summary.failed.length > 0 || result.summary.notRun > 0 ? ExitCode.failure : ExitCode.ok;
}

/** Does the work of `run` and returns its data; progress goes through the context's streams. */
export async function executeRun(
  options: RunOptions,
  simulationArgs: string[],
  globals: GlobalOptions,
  ctx: CliContext,
): Promise<RunResult> {
  return options.local ? runLocal(options, simulationArgs, globals, ctx) : prepareCluster(options, simulationArgs, globals, ctx);
}

async function runLocal(
  options: RunOptions,
  simulationArgs: string[],
  globals: GlobalOptions,
  ctx: CliContext,
): Promise<RunResult> {
  const repoRoot = await findRepositoryRoot(ctx.cwd).catch(() => undefined);
  const project = await detectProject({
    cwd: ctx.cwd,
    repoRoot,
    iniFiles: options.iniFile,
    executable: options.executable,
  });
  const spec = simulationSpec(project, options, simulationArgs);
  let runs: number[];
  try {
    runs = await planLocalRuns(project.root, spec);
  } catch (err) {
    if (err instanceof PermanentError) {
      const hint = /ENOENT/.test(err.message)
        ? spec.executable === 'opp_run'
          ? ' (opp_run is not on the PATH: run `. setenv` in the OMNeT++ folder first)'
          : ' (the simulation executable is missing: build the model first, e.g. make)'
        : '';
      throw new CliError(`${err.message}${hint}`, { cause: err });
    }
    throw err;
  }
  const notes =
    runs.length === 0
      ? [`No run of config ${options.config} matches${options.runFilter ? ` the filter ${options.runFilter}` : ''}; nothing to do.`]
      : [];
  const controller = new AbortController();
  const stopListening = ctx.onInterrupt((count) => {
    if (count === 1) controller.abort();
  });
  const reporter = createReporter({ stdout: ctx.stdout, stderr: ctx.stderr }, { json: globals.json });
  try {
    const summary = await runLocalCampaign(
      {
        root: project.root,
        spec,
        outDir: path.resolve(ctx.cwd, options.out),
        parallelism: options.jobs ?? availableParallelism(),
        policy: {
          maxAttempts: options.maxAttempts,
          retrySimulationErrors: options.retrySimulationErrors,
          runTimeoutMs: options.runTimeout,
          killGraceMs: options.killGrace,
        },
        signal: controller.signal,
        onEvent: (event) => reporter.event(event),
      },
      runs,
    );
    return { kind: 'local', summary, notes };
  } finally {
    reporter.close();
    stopListening();
  }
}

async function prepareCluster(
  options: RunOptions,
  simulationArgs: string[],
  globals: GlobalOptions,
  ctx: CliContext,
): Promise<RunResult> {
  const git = await readGitState(ctx.cwd);
  const verdict = checkGitState(git, { allowDirty: options.allowDirty });
  if (!verdict.ok) {
    throw new CliError(
      [...verdict.problems, ...verdict.notes].join('\n\n') +
        '\n\n(To run the working tree as it is on this machine instead, use --local.)',
    );
  }
  const project = await detectProject({
    cwd: ctx.cwd,
    repoRoot: git.root,
    iniFiles: options.iniFile,
    executable: options.executable,
    requireBuilt: false,
  });
  const manifestsFor = (namespace: string): CampaignManifests =>
    campaignManifests({
      namespace,
      repository: verdict.source.repository.url,
      revision: verdict.source.revision,
      project,
      config: options.config,
      runFilter: options.runFilter,
      extraArgs: simulationArgs,
      omnetppVersion: options.omnetpp,
      mode: options.mode,
      buildCommands: options.buildCommand,
      rebuildNonce: options.rebuild ? ctx.now().toISOString() : undefined,
      parallelism: options.jobs,
      runTimeoutMs: options.runTimeout,
      maxAttempts: options.maxAttempts,
      retrySimulationErrors: options.retrySimulationErrors,
      now: ctx.now(),
    });
  if (options.dryRun) {
    return { kind: 'manifests', manifests: manifestsFor(globals.namespace ?? 'default'), notes: verdict.notes };
  }
  // Loaded here: the Kubernetes and MongoDB clients take a while to import and --local needs neither.
  const { runOnCluster } = await import('../campaign/run.ts');
  return runOnCluster({
    manifestsFor,
    globals,
    mongo: { mongoUri: options.mongoUri, mongoDatabase: options.mongoDatabase },
    out: options.out,
    ctx,
  });
}

/** The runner's simulation spec for this project and these options (paths relative to the repository root). */
export function simulationSpec(project: Project, options: Pick<RunOptions, 'config' | 'runFilter'>, extraArgs: string[]): SimulationSpec {
  return {
    executable: project.simulation.executable,
    workingDir: project.workingDir,
    iniFiles: project.iniFiles,
    config: options.config,
    ...(options.runFilter ? { runFilter: options.runFilter } : {}),
    nedPath: project.simulation.nedPath,
    nedExcludes: project.simulation.nedExcludes,
    libraries: project.simulation.libraries,
    extraArgs,
  };
}

/** Prints the result: the summary or the objects as text, or one JSON line with --json. */
export function printRunResult(result: RunResult, globals: GlobalOptions, ctx: CliContext): void {
  if (globals.json) {
    const data =
      result.kind === 'local'
        ? { type: 'summary', ...result.summary, notes: result.notes }
        : result.kind === 'cluster'
          ? { type: 'summary', ...result.summary, namespace: result.namespace, campaign: result.campaign, build: result.build, detached: result.detached, notes: result.notes }
          : { type: 'manifests', build: result.manifests.build, campaign: result.manifests.campaign, notes: result.notes };
    ctx.stdout.write(`${JSON.stringify(data)}\n`);
    return;
  }
  for (const note of result.notes) ctx.stderr.write(`Note: ${note}\n`);
  if (result.kind === 'cluster' && result.detached) return;
  if (result.kind === 'local' || result.kind === 'cluster') {
    ctx.stdout.write(formatSummary({ ...result.summary, outDir: path.relative(ctx.cwd, result.summary.outDir) || '.' }));
  } else {
    ctx.stdout.write(`${JSON.stringify(result.manifests.build, null, 2)}\n${JSON.stringify(result.manifests.campaign, null, 2)}\n`);
  }
}
