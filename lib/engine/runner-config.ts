// The runner's whole configuration comes from environment variables that the
// operator writes into the runner pod template. `runnerEnv` (operator side)
// and `runnerConfigFromEnv` (runner side) live together so they cannot drift.
// Credentials arrive as env vars that the pod takes from a Secret
// (`secretEnv`); they are never logged (see `describeRunnerConfig`).
import { ConfigError, NATS_SCHEMES, boolean, durationMs, integer, list, required, text, url, type Env } from '../config.ts';
import { DEFAULT_RESULT_INCLUDE, includeProblems } from '../store/include.ts';
import type { SimulationSpec } from './command.ts';

export interface RunnerConfig {
  namespace: string;
  campaign: string;
  campaignUid: string;
  /** Pod name from the downward API; recorded on each run. */
  podName: string;
  /** `creds`: the `.creds` text of the namespace's NATS user (from the runner Secret). */
  nats: { url: string; creds?: string };
  mongo: { uri: string; database: string };
  /** Stream/subject prefix (default INETSWARM); tests use their own. */
  queuePrefix: string;
  /** AckWait of the campaign consumer; in-progress acks are sent every heartbeatMs, well inside it. */
  ackWaitMs: number;
  heartbeatMs: number;
  artifact: { digest: string; cacheDir: string };
  /** Scratch space for result folders. */
  workDir: string;
  simulation: SimulationSpec;
  /** maxFiles and maxBytes (DEFAULT_RESULT_LIMITS when unset): a run's result folder past either fails it as ResultsTooLarge. */
  results: { include: string[]; storeScalars: boolean; maxFiles?: number; maxBytes?: number };
  /** The runner exits 0 once the queue has been empty this long. */
  drainGraceMs: number;
  /** On SIGTERM the current run may finish within this time, else it is killed and handed back. */
  shutdownGraceMs: number;
  /** SIGTERM-to-SIGKILL grace for a timed-out simulation. */
  killGraceMs: number;
  /** How long the runner keeps retrying to reach NATS and MongoDB at start before it exits 1. */
  connectTimeoutMs: number;
  /**
   * inet-swarm-launcher (launcher.c), which starts simulations for a fraction
   * of the CPU of Node's own spawn; the runner image sets it. Without it the
   * runner spawns simulations itself.
   */
  launcher?: string;
  /**
   * The Unix socket of the launcher in the pod's sandbox container
   * (launcher.c --listen): the simulations then run in a container without
   * the runner's credentials. Preferred over `launcher`.
   */
  launcherSocket?: string;
  /** A plan of more runs fails the campaign (PlanFailed); run-list.ts's DEFAULT_PLAN_MAX_RUNS without it. */
  planMaxRuns?: number;
}

/** `{ [key]: value }`, or nothing for an unset value. */
const defined = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));

/** A run's result limits when none are set: the CRD's defaults of spec.results.maxFiles and maxSize (10Gi). */
export const DEFAULT_RESULT_LIMITS = { maxFiles: 10_000, maxBytes: 10 * 2 ** 30 } as const;

/** Env vars carrying credentials: the operator maps them from a Secret instead of writing values. */
export const SECRET_ENV = ['INETSWARM_NATS_CREDS', 'INETSWARM_MONGO_URI'] as const;

/**
 * The environment a simulation runs in: the runner's, without the runner's
 * own settings. Simulations are user code; the queue's and the store's
 * credentials are none of their business.
 */
export function simulationEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('INETSWARM_')));
}

/**
 * The include patterns: a JSON array (what runnerEnv writes, since a pattern may hold a comma, `*.{sca,vec}`,
 * and `[]` keeps no files), else a comma list; a pattern outside the grammar is a ConfigError at start.
 */
function includeList(env: Env): string[] | undefined {
  const value = text(env, 'INETSWARM_RESULTS_INCLUDE');
  if (value === undefined) return undefined;
  let include: string[] | undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) include = parsed;
  } catch {
    include = undefined;
  }
  include ??= list(env, 'INETSWARM_RESULTS_INCLUDE') ?? [];
  const problems = includeProblems(include);
  if (problems.length > 0) throw new ConfigError('INETSWARM_RESULTS_INCLUDE', `INETSWARM_RESULTS_INCLUDE has invalid patterns: ${problems.join('; ')}`);
  return include;
}

function parseSimulation(text: string): SimulationSpec {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('INETSWARM_SIMULATION', `Environment variable INETSWARM_SIMULATION is not JSON: ${(err as Error).message}`);
  }
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const str = (k: string) => {
    if (typeof o[k] !== 'string' || o[k] === '') throw new ConfigError('INETSWARM_SIMULATION', `INETSWARM_SIMULATION.${k} must be a non-empty string`);
    return o[k] as string;
  };
  const list = (k: string, req = false): string[] | undefined => {
    if (o[k] === undefined && !req) return undefined;
    if (!Array.isArray(o[k]) || !(o[k] as unknown[]).every((x) => typeof x === 'string')) {
      throw new ConfigError('INETSWARM_SIMULATION', `INETSWARM_SIMULATION.${k} must be a list of strings`);
    }
    return o[k] as string[];
  };
  const spec: SimulationSpec = { executable: str('executable'), workingDir: str('workingDir'), config: str('config'), iniFiles: list('iniFiles', true)! };
  if (spec.iniFiles.length === 0) throw new ConfigError('INETSWARM_SIMULATION', 'INETSWARM_SIMULATION.iniFiles must name at least one ini file');
  if (o.runFilter !== undefined) {
    if (typeof o.runFilter !== 'string') throw new ConfigError('INETSWARM_SIMULATION', 'INETSWARM_SIMULATION.runFilter must be a string');
    spec.runFilter = o.runFilter;
  }
  for (const k of ['nedPath', 'nedExcludes', 'libraries', 'extraArgs'] as const) {
    const l = list(k);
    if (l) spec[k] = l;
  }
  return spec;
}

/** Reads the runner's configuration; throws ConfigError naming the first missing or bad variable. */
export function runnerConfigFromEnv(env: Env): RunnerConfig {
  const creds = text(env, 'INETSWARM_NATS_CREDS');
  const launcher = text(env, 'INETSWARM_LAUNCHER');
  const launcherSocket = text(env, 'INETSWARM_LAUNCHER_SOCKET');
  const planMaxRuns = integer(env, 'INETSWARM_PLAN_MAX_RUNS', { min: 1, max: 2 ** 31 - 1 });
  const ackWaitMs = durationMs(env, 'INETSWARM_ACK_WAIT_SECONDS') ?? 60_000;
  const heartbeatMs = durationMs(env, 'INETSWARM_HEARTBEAT_SECONDS') ?? 15_000;
  // A heartbeat must land well inside AckWait, or a long run is redelivered while it still runs.
  if (heartbeatMs * 2 > ackWaitMs) {
    throw new ConfigError('INETSWARM_HEARTBEAT_SECONDS', `INETSWARM_HEARTBEAT_SECONDS (${heartbeatMs / 1000}) must be at most half of INETSWARM_ACK_WAIT_SECONDS (${ackWaitMs / 1000})`);
  }
  return {
    namespace: required(env, 'INETSWARM_NAMESPACE'),
    campaign: required(env, 'INETSWARM_CAMPAIGN'),
    campaignUid: required(env, 'INETSWARM_CAMPAIGN_UID'),
    podName: text(env, 'INETSWARM_POD_NAME') ?? text(env, 'HOSTNAME') ?? `runner-${process.pid}`,
    nats: { url: url(env, 'INETSWARM_NATS_URL', NATS_SCHEMES) ?? required(env, 'INETSWARM_NATS_URL'), ...(creds ? { creds } : {}) },
    // The URI comes from the runner Secret, written by the operator from a URI its own configuration checked.
    mongo: { uri: required(env, 'INETSWARM_MONGO_URI'), database: text(env, 'INETSWARM_MONGO_DATABASE') ?? 'inetswarm' },
    queuePrefix: text(env, 'INETSWARM_QUEUE_PREFIX') ?? 'INETSWARM',
    ackWaitMs,
    heartbeatMs,
    artifact: { digest: required(env, 'INETSWARM_ARTIFACT_DIGEST'), cacheDir: text(env, 'INETSWARM_ARTIFACT_CACHE') ?? '/var/cache/inet-swarm/artifacts' },
    workDir: text(env, 'INETSWARM_WORK_DIR') ?? '/tmp/inet-swarm',
    simulation: parseSimulation(required(env, 'INETSWARM_SIMULATION')),
    results: {
      include: includeList(env) ?? [...DEFAULT_RESULT_INCLUDE],
      storeScalars: boolean(env, 'INETSWARM_STORE_SCALARS') ?? true,
      ...defined('maxFiles', integer(env, 'INETSWARM_RESULTS_MAX_FILES', { min: 1 })),
      ...defined('maxBytes', integer(env, 'INETSWARM_RESULTS_MAX_BYTES', { min: 1 })),
    },
    drainGraceMs: durationMs(env, 'INETSWARM_DRAIN_GRACE_SECONDS') ?? 10_000,
    shutdownGraceMs: durationMs(env, 'INETSWARM_SHUTDOWN_GRACE_SECONDS') ?? 20_000,
    killGraceMs: durationMs(env, 'INETSWARM_KILL_GRACE_SECONDS') ?? 5_000,
    connectTimeoutMs: durationMs(env, 'INETSWARM_CONNECT_TIMEOUT_SECONDS') ?? 60_000,
    ...(launcher ? { launcher } : {}),
    ...(launcherSocket ? { launcherSocket } : {}),
    ...(planMaxRuns !== undefined ? { planMaxRuns } : {}),
  };
}

/**
 * The environment that makes `runnerConfigFromEnv` return `config`. The
 * operator builds the pod template from it, replacing the SECRET_ENV entries
 * by secretKeyRef; tests pass it to runner processes as is.
 */
export function runnerEnv(config: RunnerConfig): Record<string, string> {
  const env: Record<string, string> = {
    INETSWARM_NAMESPACE: config.namespace,
    INETSWARM_CAMPAIGN: config.campaign,
    INETSWARM_CAMPAIGN_UID: config.campaignUid,
    INETSWARM_POD_NAME: config.podName,
    INETSWARM_NATS_URL: config.nats.url,
    INETSWARM_MONGO_URI: config.mongo.uri,
    INETSWARM_MONGO_DATABASE: config.mongo.database,
    INETSWARM_QUEUE_PREFIX: config.queuePrefix,
    INETSWARM_ACK_WAIT_SECONDS: String(config.ackWaitMs / 1000),
    INETSWARM_HEARTBEAT_SECONDS: String(config.heartbeatMs / 1000),
    INETSWARM_ARTIFACT_DIGEST: config.artifact.digest,
    INETSWARM_ARTIFACT_CACHE: config.artifact.cacheDir,
    INETSWARM_WORK_DIR: config.workDir,
    INETSWARM_SIMULATION: JSON.stringify(config.simulation),
    INETSWARM_RESULTS_INCLUDE: JSON.stringify(config.results.include),
    INETSWARM_STORE_SCALARS: String(config.results.storeScalars),
    INETSWARM_DRAIN_GRACE_SECONDS: String(config.drainGraceMs / 1000),
    INETSWARM_SHUTDOWN_GRACE_SECONDS: String(config.shutdownGraceMs / 1000),
    INETSWARM_KILL_GRACE_SECONDS: String(config.killGraceMs / 1000),
    INETSWARM_CONNECT_TIMEOUT_SECONDS: String(config.connectTimeoutMs / 1000),
  };
  if (config.results.maxFiles !== undefined) env.INETSWARM_RESULTS_MAX_FILES = String(config.results.maxFiles);
  if (config.results.maxBytes !== undefined) env.INETSWARM_RESULTS_MAX_BYTES = String(config.results.maxBytes);
  if (config.nats.creds) env.INETSWARM_NATS_CREDS = config.nats.creds;
  if (config.launcher) env.INETSWARM_LAUNCHER = config.launcher;
  if (config.launcherSocket) env.INETSWARM_LAUNCHER_SOCKET = config.launcherSocket;
  if (config.planMaxRuns !== undefined) env.INETSWARM_PLAN_MAX_RUNS = String(config.planMaxRuns);
  return env;
}

/** The configuration without credentials, for the start-up log line. */
export function describeRunnerConfig(config: RunnerConfig): Record<string, unknown> {
  const { nats, mongo, ...rest } = config;
  return { ...rest, nats: { url: nats.url, creds: nats.creds ? 'set' : 'unset' }, mongo: { uri: redactUri(mongo.uri), database: mongo.database } };
}

/** Removes the password from a connection URI. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
