// `inet-swarm run`: one ini config of the model in the current folder, either
// on the cluster (from the pushed commit) or with --local on this machine.
// Options -> executeRun (returns a RunResult, data/run.ts) -> printRunResult
// (output/run.ts); the exit code follows from the result.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { PermanentError } from '../../lib/errors.ts';
import { prepareClusterCampaign } from '../campaign/prepare.ts';
import { abortOnInterrupt, type CliContext, type GlobalOptions } from '../context.ts';
import { detectionOptions, noRunsNotes, normalizeRunOptions, planFailureHint, runExitCode, simulationSpec, type RunOptions, type RunResult } from '../data/run.ts';
import { CliError } from '../errors.ts';
import { findRepositoryRoot } from '../git/state.ts';
import { planLocalRuns, runLocalCampaign } from '../local/engine.ts';
import { parseCount, parseDuration, parseIncludePattern, parseObjectName } from '../options.ts';
import { createReporter } from '../output/progress.ts';
import { printRunResult } from '../output/run.ts';
import { detectProject } from '../project/detect.ts';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

const description = [
  'Runs every run of one ini config (optionally filtered with -r) of the simulation in the current folder.',
  'On the cluster (the default), the cluster builds the commit that is checked out, so the working tree must be ' +
    'clean and HEAD must be on the remote the branch tracks (else origin). With --local, the runs execute on ' +
    'this machine through the same runner engine (timeouts, retries, result layout), with the working tree as ' +
    'it is and no cluster.',
  'Result files go into results/ (or --out) with the names OMNeT++ gives them, as with opp_runall.',
  'Exit codes: 0 when every run succeeded; 1 when runs failed, or on errors; 2 for usage errors; 130 when ' +
    'cancelled with Ctrl-C (--local stops the running simulations and keeps the results of finished runs).',
].join('\n\n');

/** The `run` command; its action does the work in `executeRun` and prints with `printRunResult`. */
export function makeRunCommand(ctx: CliContext): Command {
  const command = new Command('run')
    .summary('run one ini config of the model in this folder, on the cluster or with --local here')
    .description(description);
  withClusterOptions(withExecutionOptions(command))
    .argument('[simulation-args...]', 'extra arguments for every run, after --, e.g. -- --sim-time-limit=10s')
    .showHelpAfterError('(run inet-swarm run --help for usage)')
    .action(async (simulationArgs: string[], _opts: unknown, command: Command) => {
      const raw = command.optsWithGlobals<GlobalOptions & Partial<RunOptions>>();
      const globals: GlobalOptions = { namespace: raw.namespace, context: raw.context, json: raw.json === true };
      const result = await executeRun(normalizeRunOptions(raw, availableParallelism()), simulationArgs, globals, ctx);
      printRunResult(result, globals, ctx);
      ctx.exitCode = runExitCode(result);
    });
  return command;
}

/** What to run and how: the config, the runs, the attempts, where results go (both modes). */
function withExecutionOptions(command: Command): Command {
  return command
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
    .option('-o, --out <dir>', 'folder for the result files, relative to this folder', 'results');
}

/** How the cluster builds, how a stopped run is killed, and where the CLI reads the results from. */
function withClusterOptions(command: Command): Command {
  return command
    .option(
      '--allow-dirty',
      'submit although the working tree has uncommitted changes; the cluster builds the pushed commit, so the ' +
        'changes are NOT in the build (with --local the working tree is always used as it is)',
    )
    .option('--executable <path>', 'what runs, instead of the detected executable or opp_run (relative to this folder)')
    .option('--library <path>', 'shared library for opp_run -l instead of the detected ones (e.g. ../inet/src/INET); repeat for several', collect)
    .option('--ned-path <folders>', 'NED folders (-n, separated by :) instead of the detected ones, relative to this folder', collect)
    .option(
      '--include <pattern>',
      "result files kept per run on the cluster, a glob such as '*.sca' or 'Aloha/*.{vec,vci}'; repeat for several " +
        '(default: *.sca *.vec *.vci *.out)',
      (v: string, previous: string[] | undefined) => parseIncludePattern(v, previous),
    )
    .option('--dry-run', 'print the InetBuild and SimulationCampaign objects instead of submitting them')
    .option('--omnetpp <version>', 'OMNeT++ version of the cluster build', '6.1')
    .addOption(
      new Option('--mode <mode>', 'build mode: what the cluster builds, and which build runs (debug: the _dbg executable, opp_run_dbg)')
        .choices(['release', 'debug'])
        .default('release'),
    )
    .option('--build-command <cmd>', 'build command on the cluster instead of the default; repeat for several', collect)
    .option('--rebuild', 'build the commit again on the cluster even if a build of it exists')
    .option(
      '--git-credentials <secret>',
      "Secret in the campaign's namespace with the credentials to clone a private repository: username and password " +
        '(a token) for https, ssh-privatekey and known_hosts for ssh; offered only to the repository\'s host',
      (v) => parseObjectName(v, '--git-credentials'),
    )
    .addOption(
      new Option('--kill-grace <duration>', 'time between SIGTERM and SIGKILL when a run is stopped')
        .argParser((v) => parseDuration(v, '--kill-grace'))
        .default(5000, '5s'),
    )
    .option('--mongo-uri <uri>', "admins: download from the result store at this URI (env INETSWARM_MONGO_URI) instead of through the results API")
    .option('--mongo-port-forward', "admins: download from the store the namespace's inet-swarm-builder Secret names, through a port-forward")
    .option('--mongo-database <name>', 'prefix of the namespaces\' databases (the operator\'s INETSWARM_MONGO_DATABASE)');
}

/** Does the work of `run` and returns its data; progress goes through the context's streams. */
export async function executeRun(
  options: RunOptions,
  simulationArgs: string[],
  globals: GlobalOptions,
  ctx: CliContext,
): Promise<RunResult> {
  return options.local ? runLocal(options, simulationArgs, globals, ctx) : runCluster(options, simulationArgs, globals, ctx);
}

/** `run --local`: plans the runs with the simulation itself, then runs them on this machine until done or Ctrl-C. */
async function runLocal(options: RunOptions, simulationArgs: string[], globals: GlobalOptions, ctx: CliContext): Promise<RunResult> {
  const repoRoot = await findRepositoryRoot(ctx.cwd).catch(() => undefined);
  const project = await detectProject({ cwd: ctx.cwd, repoRoot, ...detectionOptions(options) });
  const spec = simulationSpec(project, options, simulationArgs);
  const runs = await planLocalRuns(project.root, spec).catch((err: unknown) => {
    if (err instanceof PermanentError) throw new CliError(`${err.message}${planFailureHint(err.message, spec.executable)}`, { cause: err });
    throw err;
  });
  const interrupt = abortOnInterrupt(ctx);
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
        signal: interrupt.signal,
        onEvent: (event) => reporter.event(event),
      },
      runs,
    );
    return { kind: 'local', summary, notes: noRunsNotes(runs, options) };
  } finally {
    reporter.close();
    interrupt.stop();
  }
}

/** `run` on the cluster: the objects (printed with --dry-run), else submitted and followed to the end. */
async function runCluster(options: RunOptions, simulationArgs: string[], globals: GlobalOptions, ctx: CliContext): Promise<RunResult> {
  const { manifestsFor, notes, detection } = await prepareClusterCampaign(options, simulationArgs, ctx);
  if (options.dryRun) {
    return { kind: 'manifests', manifests: manifestsFor(globals.namespace ?? 'default'), notes, detection };
  }
  // Loaded here: the Kubernetes and MongoDB clients take a while to import and --local needs neither.
  const { runOnCluster } = await import('../campaign/run.ts');
  return runOnCluster({
    manifestsFor,
    globals,
    mongo: { mongoUri: options.mongoUri, mongoDatabase: options.mongoDatabase, mongoPortForward: options.mongoPortForward === true },
    out: options.out,
    ctx,
  });
}
