// What `run` works with and returns, as data: its options after parsing, the
// runner's simulation spec, the result of a local or cluster campaign and the
// exit code it gives, and the summary of a cluster campaign from its status.
// Pure; commands/run.ts does the work, output/run.ts prints the result.
import type { SimulationSpec } from '../../lib/engine/command.ts';
import type { CampaignManifests } from '../campaign/manifests.ts';
import { ExitCode } from '../errors.ts';
import type { CampaignSummary, FailedRun } from '../output/events.ts';
import type { DetectOptions, Project } from '../project/detect.ts';
import type { CampaignStatusView } from './status.ts';

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
  /** `--library`, `--ned-path`: undefined when not given (detected). */
  library?: string[] | undefined;
  nedPath?: string[] | undefined;
  /** `--include`: the campaign's results.include; undefined leaves the CRD's default. */
  include?: string[] | undefined;
  dryRun: boolean;
  omnetpp: string;
  mode: 'release' | 'debug';
  buildCommand: string[];
  rebuild: boolean;
  /** `--git-credentials`: the Secret the builder clones with. */
  gitCredentials?: string | undefined;
  killGrace: number;
  mongoUri?: string | undefined;
  mongoDatabase?: string | undefined;
  mongoPortForward?: boolean;
}

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

/** What `run` returns: a finished local campaign, the objects of --dry-run, or a cluster campaign. */
export type RunResult =
  | { kind: 'local'; summary: CampaignSummary; notes: string[] }
  | { kind: 'manifests'; manifests: CampaignManifests; notes: string[]; detection: string[] }
  | ClusterRunResult;

/** Fills in what commander leaves undefined (boolean flags not given, repeatable options not used). */
export function normalizeRunOptions(raw: Partial<RunOptions>, cores: number): RunOptions {
  return {
    config: raw.config ?? 'General',
    runFilter: raw.runFilter,
    iniFile: raw.iniFile ?? [],
    local: raw.local === true,
    jobs: raw.jobs ?? (raw.local === true ? cores : undefined),
    runTimeout: raw.runTimeout ?? 0,
    maxAttempts: raw.maxAttempts ?? 3,
    retrySimulationErrors: raw.retrySimulationErrors === true,
    out: raw.out ?? 'results',
    allowDirty: raw.allowDirty === true,
    executable: raw.executable,
    library: raw.library,
    nedPath: raw.nedPath,
    include: raw.include,
    dryRun: raw.dryRun === true,
    omnetpp: raw.omnetpp ?? '6.1',
    mode: raw.mode ?? 'release',
    buildCommand: raw.buildCommand ?? [],
    rebuild: raw.rebuild === true,
    gitCredentials: raw.gitCredentials,
    killGrace: raw.killGrace ?? 5000,
    mongoUri: raw.mongoUri,
    mongoDatabase: raw.mongoDatabase,
    mongoPortForward: raw.mongoPortForward === true,
  };
}

/** What project detection takes from the options: the ini files, the overriding flags and the build mode. */
export function detectionOptions(options: Pick<RunOptions, 'iniFile' | 'executable' | 'library' | 'nedPath' | 'mode'>): Omit<DetectOptions, 'cwd' | 'repoRoot'> {
  return { iniFiles: options.iniFile, executable: options.executable, libraries: options.library, nedPath: options.nedPath, mode: options.mode };
}

/** The runner's simulation spec for this project and these options (paths relative to the repository root). */
export function simulationSpec(
  project: Pick<Project, 'simulation' | 'workingDir' | 'iniFiles'>,
  options: Pick<RunOptions, 'config' | 'runFilter'>,
  extraArgs: string[],
): SimulationSpec {
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

/** What to do when planning the runs failed to start the simulation: set up OMNeT++, or build the model. */
export function planFailureHint(message: string, executable: string): string {
  if (!/ENOENT/.test(message)) return '';
  return executable === 'opp_run'
    ? ' (opp_run is not on the PATH: run `. setenv` in the OMNeT++ folder first)'
    : ' (the simulation executable is missing: build the model first, e.g. make)';
}

/** The note of a local campaign whose filter selects no run. */
export function noRunsNotes(runs: readonly unknown[], options: Pick<RunOptions, 'config' | 'runFilter'>): string[] {
  if (runs.length > 0) return [];
  return [`No run of config ${options.config} matches${options.runFilter ? ` the filter ${options.runFilter}` : ''}; nothing to do.`];
}

/** 0 when everything succeeded, 130 after Ctrl-C (cluster: detached), 1 when runs failed. */
export function runExitCode(result: RunResult): number {
  if (result.kind === 'manifests') return ExitCode.ok;
  if (result.kind === 'cluster' && result.detached) return ExitCode.interrupted;
  if (result.summary.interrupted) return ExitCode.interrupted;
  return result.summary.failed.length > 0 || result.summary.notRun > 0 ? ExitCode.failure : ExitCode.ok;
}

/** The summary of a cluster campaign from its status and, once it finished, the failed runs the store lists. */
export function clusterSummary(
  view: CampaignStatusView,
  progress: { parallelism: number; elapsedMs: number; outDir: string },
  finished: { failed: FailedRun[]; files: number } | undefined,
): CampaignSummary {
  const total = view.total ?? 0;
  const failedCount = finished ? finished.failed.length : view.failed;
  return {
    mode: 'cluster',
    config: view.config,
    total,
    succeeded: view.succeeded,
    failed: finished?.failed ?? [],
    notRun: Math.max(0, total - view.succeeded - failedCount),
    interrupted: finished === undefined,
    elapsedMs: progress.elapsedMs,
    parallelism: progress.parallelism,
    outDir: progress.outDir,
    files: finished?.files ?? 0,
  };
}
