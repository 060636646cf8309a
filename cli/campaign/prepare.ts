// What a cluster `run` submits, before any cluster is contacted: the checkout
// must be committed and pushed (git/decide.ts), the project is detected, and
// the InetBuild and SimulationCampaign objects follow for any namespace. Kept
// apart from run.ts so that --dry-run loads neither the Kubernetes nor the
// MongoDB client.
import type { CliContext } from '../context.ts';
import { detectionOptions, type RunOptions } from '../data/run.ts';
import { CliError } from '../errors.ts';
import { checkGitState } from '../git/decide.ts';
import { readGitState } from '../git/state.ts';
import { detectProject } from '../project/detect.ts';
import { campaignManifests, type CampaignManifests } from './manifests.ts';

/** The objects of the campaign for a namespace, the notes of the git check, and why the project runs as it does. */
export interface PreparedCampaign {
  manifestsFor: (namespace: string) => CampaignManifests;
  notes: string[];
  detection: string[];
}

/** Checks the checkout and detects the project; throws CliError with every problem and its fix. */
export async function prepareClusterCampaign(options: RunOptions, simulationArgs: string[], ctx: CliContext): Promise<PreparedCampaign> {
  const git = await readGitState(ctx.cwd);
  const verdict = checkGitState(git, { allowDirty: options.allowDirty });
  if (!verdict.ok) {
    throw new CliError(
      [...verdict.problems, ...verdict.notes].join('\n\n') +
        '\n\n(To run the working tree as it is on this machine instead, use --local.)',
    );
  }
  const project = await detectProject({ cwd: ctx.cwd, repoRoot: git.root, ...detectionOptions(options), requireBuilt: false });
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
      credentialsSecret: options.gitCredentials,
      rebuildNonce: options.rebuild ? ctx.now().toISOString() : undefined,
      parallelism: options.jobs,
      runTimeoutMs: options.runTimeout,
      maxAttempts: options.maxAttempts,
      retrySimulationErrors: options.retrySimulationErrors,
      include: options.include,
      now: ctx.now(),
    });
  return { manifestsFor, notes: verdict.notes, detection: project.detection };
}
