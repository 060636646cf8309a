// Operator configuration from environment variables (docs/configuration.md),
// some overridable by flags. Parsed once in main and passed down; nothing
// reads process.env elsewhere.
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConfigError, LOG_LEVELS, MONGO_SCHEMES, boolean, durationMs, integer, oneOf, text, url, type Env } from '../lib/config.ts';
import { prefixProblem } from '../lib/store/tenant.ts';
import type { BuildSettings } from './controllers/inetbuild/manifests.ts';
import { campaignSettingsFromEnv, placementFromEnv, type CampaignSettings } from './controllers/simulationcampaign/settings.ts';
import { networkSettingsFromEnv, type NetworkSettings } from './controllers/shared/network-settings.ts';

export interface OperatorConfig {
  /** Path of a kubeconfig; undefined means in-cluster or the default kubeconfig. */
  kubeconfig: string | undefined;
  logLevel: string;
  /** Only this namespace is watched; undefined watches all (the default). */
  watchNamespace: string | undefined;
  metricsPort: number;
  metricsHost: string;
  leaderElection: { enabled: boolean; namespace: string; name: string; identity: string; leaseDurationSeconds: number; renewDeadlineMs: number; retryPeriodMs: number };
  mongo: { uri: string; database: string };
  workers: number;
  build: BuildSettings;
  campaign: CampaignSettings;
  /** The NetworkPolicies and tenant label of the namespaces served. */
  network: NetworkSettings;
}

/** The variables the operator's flags override, so that every value is read (and reported) under one name. */
const FLAGS = {
  kubeconfig: 'KUBECONFIG',
  'log-level': 'INETSWARM_LOG_LEVEL',
  'metrics-port': 'INETSWARM_METRICS_PORT',
  'metrics-host': 'INETSWARM_METRICS_HOST',
  'leader-elect': 'INETSWARM_LEADER_ELECT',
  'lease-namespace': 'INETSWARM_POD_NAMESPACE',
  'mongodb-uri': 'INETSWARM_MONGO_URI',
  'mongodb-database': 'INETSWARM_MONGO_DATABASE',
  workers: 'INETSWARM_WORKERS',
  'watch-namespace': 'INETSWARM_WATCH_NAMESPACE',
} as const;

/** `env` with the values of the flags given in `argv` in place of their variables. */
function withFlags(env: Env, argv: string[]): Env {
  const options = Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }]));
  const { values } = parseArgs({ args: argv, options, strict: true });
  const overrides = Object.entries(FLAGS).flatMap(([flag, name]) => {
    const value = values[flag];
    return typeof value === 'string' ? [[name, value]] : [];
  });
  return { ...env, ...Object.fromEntries(overrides) };
}

/** Builds the configuration from `env` and command-line `argv` (flags win); throws ConfigError on a bad value. */
export function loadConfig(processEnv: Env, argv: string[]): OperatorConfig {
  const env = withFlags(processEnv, argv);
  const mongoUri = url(env, 'INETSWARM_MONGO_URI', MONGO_SCHEMES, { secret: true });
  if (!mongoUri) throw new ConfigError('INETSWARM_MONGO_URI', 'The MongoDB URI is missing: set INETSWARM_MONGO_URI or --mongodb-uri');
  const podName = text(env, 'INETSWARM_POD_NAME');
  const identity = podName ? `${podName}_${randomBytes(4).toString('hex')}` : `${hostname()}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const database = tenantPrefix(env);
  const runAsUser = integer(env, 'INETSWARM_RUN_AS_USER') ?? 1000;
  const builderMongoUri = url(env, 'INETSWARM_BUILDER_MONGO_URI', MONGO_SCHEMES, { secret: true }) ?? mongoUri;
  const campaign = campaignSettingsFromEnv(env, { uri: mongoUri, database }, runAsUser);
  return {
    kubeconfig: text(env, 'KUBECONFIG'),
    logLevel: oneOf(env, 'INETSWARM_LOG_LEVEL', LOG_LEVELS) ?? 'info',
    watchNamespace: text(env, 'INETSWARM_WATCH_NAMESPACE'),
    metricsPort: integer(env, 'INETSWARM_METRICS_PORT', { max: 65_535 }) ?? 8080,
    metricsHost: text(env, 'INETSWARM_METRICS_HOST') ?? '0.0.0.0',
    leaderElection: leaderElection(env, identity),
    mongo: { uri: mongoUri, database },
    workers: integer(env, 'INETSWARM_WORKERS', { min: 1 }) ?? 4,
    build: {
      builderImageTemplate: text(env, 'INETSWARM_BUILDER_IMAGE') ?? 'ghcr.io/inet-swarm/builder:omnetpp-{version}',
      distccImage: text(env, 'INETSWARM_DISTCC_IMAGE') ?? 'ghcr.io/inet-swarm/distccd:latest',
      mongoSecretName: text(env, 'INETSWARM_BUILDER_SECRET_NAME') ?? 'inet-swarm-builder',
      mongoUri: builderMongoUri,
      mongoDatabase: database,
      builderWorkingDir: text(env, 'INETSWARM_BUILDER_WORKDIR') ?? '/app',
      builderArgs: ['node', 'pods/builder/main.js'],
      placement: placementFromEnv(env, 'builder'),
      runAsUser,
      serviceAccountName: text(env, 'INETSWARM_BUILDER_SERVICE_ACCOUNT') ?? 'inet-swarm-builder',
    },
    campaign,
    network: networkSettingsFromEnv(env, { natsUrl: campaign.runnerNatsUrl, mongoUris: [builderMongoUri, campaign.runnerMongoUri] }),
  };
}

/** The Lease's timings, refused unless retry period < renew deadline < lease duration (leader.ts says why). */
function leaderElection(env: Env, identity: string): OperatorConfig['leaderElection'] {
  const election = {
    enabled: boolean(env, 'INETSWARM_LEADER_ELECT') ?? true,
    namespace: text(env, 'INETSWARM_POD_NAMESPACE') ?? 'inet-swarm-system',
    name: text(env, 'INETSWARM_LEASE_NAME') ?? 'inet-swarm-operator',
    identity,
    // The Lease object holds whole seconds.
    leaseDurationSeconds: integer(env, 'INETSWARM_LEASE_DURATION_SECONDS', { min: 1 }) ?? 15,
    renewDeadlineMs: durationMs(env, 'INETSWARM_LEASE_RENEW_DEADLINE_SECONDS') ?? 10_000,
    retryPeriodMs: durationMs(env, 'INETSWARM_LEASE_RETRY_PERIOD_SECONDS') ?? 2_000,
  };
  if (!(election.retryPeriodMs < election.renewDeadlineMs && election.renewDeadlineMs < election.leaseDurationSeconds * 1000)) {
    throw new ConfigError(
      'INETSWARM_LEASE_RENEW_DEADLINE_SECONDS',
      `needs INETSWARM_LEASE_RETRY_PERIOD_SECONDS < INETSWARM_LEASE_RENEW_DEADLINE_SECONDS < INETSWARM_LEASE_DURATION_SECONDS (got ${election.retryPeriodMs / 1000}, ${election.renewDeadlineMs / 1000}, ${election.leaseDurationSeconds})`,
    );
  }
  return election;
}

/** INETSWARM_MONGO_DATABASE: the prefix of every namespace's database (lib/store/tenant.ts). */
function tenantPrefix(env: Env): string {
  const prefix = text(env, 'INETSWARM_MONGO_DATABASE') ?? 'inetswarm';
  const problem = prefixProblem(prefix);
  if (problem) throw new ConfigError('INETSWARM_MONGO_DATABASE', `"${prefix}" cannot start the namespaces' database names: ${problem}`);
  return prefix;
}
