// TypeScript shapes of the inetswarm.dev/v1alpha1 custom resources. The CRDs in
// crds/ are the source of truth; test/unit/api-v1alpha1.test.ts fails when a field,
// its optionality, type or enum values differ between them and these types.
// Fields the CRD defaults are optional here: an object read back from the API
// server has them, one being written may leave them out.
/* eslint-disable max-lines -- every type the CRDs declare in one file, which api-v1alpha1.test.ts holds to crds/ */
import type { V1ObjectMeta } from '@kubernetes/client-node';

/** API group of both kinds. */
export const GROUP = 'inetswarm.dev';
/** The only served and stored version. */
export const VERSION = 'v1alpha1';
/** `apiVersion` of objects of both kinds. */
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Kind, plural and CRD name of InetBuild, as the API server knows them. */
export const INET_BUILD = {
  kind: 'InetBuild',
  listKind: 'InetBuildList',
  plural: 'inetbuilds',
  singular: 'inetbuild',
  crdName: `inetbuilds.${GROUP}`,
} as const;

/** Kind, plural and CRD name of SimulationCampaign, as the API server knows them. */
export const SIMULATION_CAMPAIGN = {
  kind: 'SimulationCampaign',
  listKind: 'SimulationCampaignList',
  plural: 'simulationcampaigns',
  singular: 'simulationcampaign',
  crdName: `simulationcampaigns.${GROUP}`,
} as const;

/** Category under which `kubectl get inet-swarm` lists both kinds. */
export const CATEGORY = 'inet-swarm';

/** Build modes, as OMNeT++'s `make MODE=` spells them. */
export const BUILD_MODES = ['release', 'debug'] as const;
export type BuildMode = (typeof BUILD_MODES)[number];

/** Phases of an InetBuild. */
export const INET_BUILD_PHASES = ['Pending', 'Building', 'Succeeded', 'Failed'] as const;
export type InetBuildPhase = (typeof INET_BUILD_PHASES)[number];

/** Phases of a SimulationCampaign. */
export const CAMPAIGN_PHASES = ['Pending', 'Building', 'Planning', 'Running', 'Succeeded', 'Failed', 'Cancelled', 'Suspended'] as const;
export type CampaignPhase = (typeof CAMPAIGN_PHASES)[number];

/** Status of a condition, per the Kubernetes API conventions. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** A status condition in the standard metav1.Condition shape. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  /** RFC 3339 time of the last status change. */
  lastTransitionTime: string;
  /** CamelCase. */
  reason: string;
  message: string;
}

/** A CPU or memory quantity: the API server keeps what the user wrote, a number or a string such as `500m`. */
export type Quantity = number | string;

/** Reference to an object in the same namespace. */
export interface LocalObjectReference {
  name: string;
}

export interface InetBuildSource {
  /** Git URL: https://, ssh://, git@host:path or file://. */
  repository: string;
  /** Full 40-hex lowercase commit id. */
  revision: string;
  credentialsSecretRef?: LocalObjectReference;
  /** Default true. */
  submodules?: boolean;
}

export interface OmnetppSpec {
  /** Default "6.1". */
  version?: string;
  builderImage?: string;
  runnerImage?: string;
}

export interface DistccSpec {
  /** Default true. */
  enabled?: boolean;
  /** Unset: the cores the distccd daemons offer. */
  jobs?: number;
}

export interface ArtifactSpec {
  /** Default [.git, out/, *.o]. */
  exclude?: string[];
}

export interface BuilderSpec {
  /** Default "2". */
  cpu?: Quantity;
  /** Default "4Gi". */
  memory?: Quantity;
  /** Go duration string; default "2h". */
  timeout?: string;
}

export interface InetBuildSpec {
  source: InetBuildSource;
  omnetpp?: OmnetppSpec;
  /** Default release. */
  mode?: BuildMode;
  /** Default [make makefiles, make MODE=$MODE -j$JOBS]. */
  commands?: string[];
  distcc?: DistccSpec;
  artifact?: ArtifactSpec;
  builder?: BuilderSpec;
}

export interface BuildArtifact {
  /** `sha256:<64 hex>`. */
  digest: string;
  /** Bytes. */
  size?: number;
}

export interface BuildFailure {
  reason?: string;
  message?: string;
  logTail?: string;
}

export interface InetBuildStatus {
  phase?: InetBuildPhase;
  shortRevision?: string;
  conditions?: Condition[];
  artifact?: BuildArtifact;
  startTime?: string;
  completionTime?: string;
  failure?: BuildFailure;
  observedGeneration?: number;
}

export interface InetBuild {
  apiVersion: typeof API_VERSION;
  kind: typeof INET_BUILD.kind;
  metadata: V1ObjectMeta;
  spec: InetBuildSpec;
  status?: InetBuildStatus;
}

export interface SimulationSpec {
  /** Default "opp_run". */
  executable?: string;
  nedPath?: string[];
  nedExclusions?: string[];
  libraries?: string[];
  extraArgs?: string[];
}

export interface ExecutionSpec {
  /** Default 100; 1..10000. */
  parallelism?: number;
  /** Default "1". */
  cpu?: Quantity;
  /** Default "1Gi". */
  memory?: Quantity;
  /** Go duration string, 1s..168h; default "1h". */
  runTimeout?: string;
  /** Default 3; 1..10. */
  maxAttempts?: number;
  /** Default false. */
  retrySimulationErrors?: boolean;
  /** Seconds the runners may be in trouble with no run started or finished before the campaign fails; default 600; 30..604800. */
  progressDeadlineSeconds?: number;
}

export interface ResultsSpec {
  /** Default [*.sca, *.vec, *.vci, *.out]: what opp_runall leaves in results/. */
  include?: string[];
  /** Default true. */
  storeScalars?: boolean;
  /** A run's result folder may hold at most maxFiles files (default 10000) of maxSize bytes (default 10Gi); more fails the run as ResultsTooLarge. */
  maxFiles?: number;
  maxSize?: Quantity;
  /** Go duration string, 0s..8760h: the campaign and its stored results are deleted that long after it finished. Unset: kept. */
  ttlAfterFinished?: string;
}

export interface SimulationCampaignSpec {
  buildRef: LocalObjectReference;
  /** Default ".". */
  workingDir?: string;
  /** Default [omnetpp.ini]. */
  iniFiles?: string[];
  config: string;
  runFilter?: string;
  simulation?: SimulationSpec;
  execution?: ExecutionSpec;
  results?: ResultsSpec;
  /** Default false. */
  suspend?: boolean;
}

export interface RunCounts {
  total?: number;
  pending?: number;
  running?: number;
  succeeded?: number;
  failed?: number;
}

export interface FailedRun {
  run: number;
  exitCode?: number;
  reason: string;
  message?: string;
}
/** A FailedRun as the results store reports it: message in full, exit code null when the run was killed. */
export type FailedRunRecord = Omit<Required<FailedRun>, 'exitCode'> & { exitCode: number | null };

export interface CampaignQueue {
  stream?: string;
  subject?: string;
  consumer?: string;
}

export interface SimulationCampaignStatus {
  phase?: CampaignPhase;
  /** "done/total", e.g. "120/500". */
  progress?: string;
  runs?: RunCounts;
  runners?: number;
  queue?: CampaignQueue;
  startTime?: string;
  completionTime?: string;
  estimatedCompletionTime?: string;
  /** When a run last started or finished (or the runners were first wanted); the progress deadline counts from it. */
  lastProgressTime?: string;
  conditions?: Condition[];
  /** At most MAX_FAILED_RUNS entries. */
  failedRuns?: FailedRun[];
  observedGeneration?: number;
}

export interface SimulationCampaign {
  apiVersion: typeof API_VERSION;
  kind: typeof SIMULATION_CAMPAIGN.kind;
  metadata: V1ObjectMeta;
  spec: SimulationCampaignSpec;
  status?: SimulationCampaignStatus;
}

/** Any part of a spec, read-only, so that `as const` default objects can be checked against it. */
type SpecDefaults<T> = {
  readonly [K in keyof T]?: NonNullable<T[K]> extends (infer E)[]
    ? readonly E[]
    : NonNullable<T[K]> extends object
      ? SpecDefaults<NonNullable<T[K]>>
      : T[K];
};

/**
 * The defaults the API server fills into an InetBuild spec (from the CRD), for
 * code that builds or hashes specs before they reach the server, such as the
 * CLI naming a build after its effective commands. Kept equal to the CRD by
 * test/unit/api-v1alpha1.test.ts.
 */
export const INET_BUILD_SPEC_DEFAULTS = {
  source: { submodules: true },
  omnetpp: { version: '6.1' },
  mode: 'release',
  commands: ['make makefiles', 'make MODE=$MODE -j$JOBS'],
  distcc: { enabled: true },
  artifact: { exclude: ['.git', 'out/', '*.o'] },
  builder: { cpu: '2', memory: '4Gi', timeout: '2h' },
} as const satisfies SpecDefaults<InetBuildSpec>;

/** The defaults the API server fills into a SimulationCampaign spec (from the CRD). */
export const CAMPAIGN_SPEC_DEFAULTS = {
  workingDir: '.',
  iniFiles: ['omnetpp.ini'],
  simulation: { executable: 'opp_run' },
  execution: { parallelism: 100, cpu: '1', memory: '1Gi', runTimeout: '1h', maxAttempts: 3, retrySimulationErrors: false, progressDeadlineSeconds: 600 },
  results: { include: ['*.sca', '*.vec', '*.vci', '*.out'], storeScalars: true, maxFiles: 10_000, maxSize: '10Gi' },
  suspend: false,
} as const satisfies SpecDefaults<SimulationCampaignSpec>;

/** The CRD caps status.failedRuns at this many entries; the rest live in MongoDB. */
export const MAX_FAILED_RUNS = 20;

/** The CRDs cap metadata.name at this length so that derived Job and pod names stay within 63 characters. */
export const MAX_NAME_LENGTH = 52;

/** Text of `status.progress`, the Done printer column. */
export function progressText(runs: RunCounts): string {
  const done = (runs.succeeded ?? 0) + (runs.failed ?? 0);
  return `${done}/${runs.total ?? 0}`;
}
