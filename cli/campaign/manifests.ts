// The InetBuild and SimulationCampaign objects `inet-swarm run` submits. Pure:
// the same inputs always give the same build name, so a commit is built once
// and reused by every later campaign of it.
import {
  API_VERSION,
  INET_BUILD,
  SIMULATION_CAMPAIGN,
  type BuildMode,
  type InetBuild,
  type SimulationCampaign,
} from '../../api/v1alpha1.ts';
import type { Project } from '../project/detect.ts';
import { buildName, campaignName, slugify } from '../project/naming.ts';

/** INET's own build, the CRD's default. */
export const inetBuildCommands = ['make makefiles', 'make MODE=$MODE -j$JOBS'];

export interface CampaignInputs {
  namespace: string;
  /** Git URL the cluster clones. */
  repository: string;
  /** Full 40-hex commit. */
  revision: string;
  project: Project;
  config: string;
  runFilter?: string | undefined;
  extraArgs: string[];
  omnetppVersion: string;
  mode: BuildMode;
  /** Overrides the build commands derived from the project. */
  buildCommands?: string[] | undefined;
  /** `--git-credentials`: the Secret the builder clones with. */
  credentialsSecret?: string | undefined;
  /** `--rebuild`: any new value gives a new build name, so the operator builds again. */
  rebuildNonce?: string | undefined;
  parallelism?: number | undefined;
  /** Milliseconds; 0 or undefined leaves the CRD default. */
  runTimeoutMs?: number | undefined;
  maxAttempts: number;
  retrySimulationErrors: boolean;
  /** results.include; undefined leaves the CRD's default. */
  include?: string[] | undefined;
  now: Date;
}

export interface CampaignManifests {
  build: InetBuild;
  campaign: SimulationCampaign;
}

/** The campaign's annotation that records why the project runs as it does (one line: the detection's reasons). */
export const PROJECT_DETECTION_ANNOTATION = 'inetswarm.dev/project-detection';

/** Build commands for a project: INET's makefiles for a library project, or opp_makemake + make in a standalone model's folder. */
export function defaultBuildCommands(project: Project): string[] {
  if (project.kind === 'library') return inetBuildCommands;
  const exe = project.simulation.executable.split('/').pop() ?? 'model';
  const cd = project.workingDir === '.' ? '' : `cd '${project.workingDir}' && `;
  return [`${cd}(test -f Makefile || opp_makemake -f --deep -o '${exe}') && make MODE=$MODE -j$JOBS`];
}

/** Formats milliseconds as a Go duration string, as the CRD's runTimeout expects (`90s`, `1500ms`). */
export function goDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Where the build clones from, and the Secret it clones with (`--git-credentials`). */
function buildSource(inputs: Pick<CampaignInputs, 'repository' | 'revision' | 'credentialsSecret'>): InetBuild['spec']['source'] {
  const { repository, revision, credentialsSecret } = inputs;
  return { repository, revision, ...(credentialsSecret ? { credentialsSecretRef: { name: credentialsSecret } } : {}) };
}

/** How the campaign's runs execute: the CRD's defaults unless an option says otherwise. */
function executionSpec(inputs: CampaignInputs): NonNullable<SimulationCampaign['spec']['execution']> {
  return {
    ...(inputs.parallelism ? { parallelism: inputs.parallelism } : {}),
    ...(inputs.runTimeoutMs ? { runTimeout: goDuration(inputs.runTimeoutMs) } : {}),
    maxAttempts: inputs.maxAttempts,
    retrySimulationErrors: inputs.retrySimulationErrors,
  };
}

/** The two objects of one `inet-swarm run`. */
export function campaignManifests(inputs: CampaignInputs): CampaignManifests {
  const commands = inputs.buildCommands?.length ? inputs.buildCommands : defaultBuildCommands(inputs.project);
  const name = buildName({
    repository: inputs.repository,
    revision: inputs.revision,
    omnetppVersion: inputs.omnetppVersion,
    mode: inputs.mode,
    credentialsSecret: inputs.credentialsSecret,
    commands: inputs.rebuildNonce === undefined ? commands : [...commands, `# rebuild ${inputs.rebuildNonce}`],
  });
  const labels = { 'app.kubernetes.io/managed-by': 'inet-swarm-cli' };
  const build: InetBuild = {
    apiVersion: API_VERSION,
    kind: INET_BUILD.kind,
    metadata: {
      name,
      namespace: inputs.namespace,
      labels,
      ...(inputs.rebuildNonce === undefined ? {} : { annotations: { 'inetswarm.dev/rebuild': inputs.rebuildNonce } }),
    },
    spec: {
      source: buildSource(inputs),
      omnetpp: { version: inputs.omnetppVersion },
      mode: inputs.mode,
      commands,
    },
  };
  const sim = inputs.project.simulation;
  const campaign: SimulationCampaign = {
    apiVersion: API_VERSION,
    kind: SIMULATION_CAMPAIGN.kind,
    metadata: {
      name: campaignName(inputs.config, inputs.now),
      namespace: inputs.namespace,
      labels: { ...labels, 'inetswarm.dev/build': name, 'inetswarm.dev/config': slugify(inputs.config).slice(0, 63) },
      ...(inputs.project.detection.length ? { annotations: { [PROJECT_DETECTION_ANNOTATION]: inputs.project.detection.join('; ') } } : {}),
    },
    spec: {
      buildRef: { name },
      workingDir: inputs.project.workingDir,
      iniFiles: inputs.project.iniFiles,
      config: inputs.config,
      ...(inputs.runFilter ? { runFilter: inputs.runFilter } : {}),
      simulation: {
        executable: sim.executable,
        ...(sim.nedPath.length ? { nedPath: sim.nedPath } : {}),
        ...(sim.nedExcludes.length ? { nedExclusions: sim.nedExcludes } : {}),
        ...(sim.libraries.length ? { libraries: sim.libraries } : {}),
        ...(inputs.extraArgs.length ? { extraArgs: inputs.extraArgs } : {}),
      },
      execution: executionSpec(inputs),
      ...(inputs.include ? { results: { include: inputs.include } } : {}),
    },
  };
  return { build, campaign };
}
