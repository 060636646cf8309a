// Operator configuration from environment variables, overridable by flags.
// Parsed once in main and passed down; nothing reads process.env elsewhere.
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { BuildSettings } from './controllers/inetbuild/manifests.ts';
import { campaignSettingsFromEnv, type CampaignSettings } from './controllers/simulationcampaign/settings.ts';

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
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function integer(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return value;
}

/** Builds the configuration from `env` and command-line `argv` (flags win). */
export function loadConfig(env: NodeJS.ProcessEnv, argv: string[]): OperatorConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      'log-level': { type: 'string' },
      'metrics-port': { type: 'string' },
      'metrics-host': { type: 'string' },
      'leader-elect': { type: 'string' },
      'lease-namespace': { type: 'string' },
      'mongodb-uri': { type: 'string' },
      'mongodb-database': { type: 'string' },
      workers: { type: 'string' },
      'watch-namespace': { type: 'string' },
    },
    strict: true,
  });
  const mongoUri = values['mongodb-uri'] ?? env.MONGODB_URI;
  if (!mongoUri) throw new ConfigError('The MongoDB URI is missing: set MONGODB_URI or --mongodb-uri');
  const leaderElect = (values['leader-elect'] ?? env.LEADER_ELECT ?? 'true').toLowerCase();
  const identity = env.POD_NAME ? `${env.POD_NAME}_${randomBytes(4).toString('hex')}` : `${hostname()}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const database = values['mongodb-database'] ?? env.MONGODB_DATABASE ?? 'inetswarm';
  return {
    kubeconfig: values.kubeconfig ?? env.KUBECONFIG,
    logLevel: values['log-level'] ?? env.LOG_LEVEL ?? 'info',
    watchNamespace: (values['watch-namespace'] ?? env.WATCH_NAMESPACE) || undefined,
    metricsPort: integer('metrics port', values['metrics-port'] ?? env.METRICS_PORT, 8080),
    metricsHost: values['metrics-host'] ?? env.METRICS_HOST ?? '0.0.0.0',
    leaderElection: {
      enabled: leaderElect !== 'false' && leaderElect !== '0',
      namespace: values['lease-namespace'] ?? env.POD_NAMESPACE ?? 'inet-swarm-system',
      name: env.LEASE_NAME ?? 'inet-swarm-operator',
      identity,
      leaseDurationSeconds: integer('LEASE_DURATION_SECONDS', env.LEASE_DURATION_SECONDS, 15),
      renewDeadlineMs: integer('LEASE_RENEW_DEADLINE_MS', env.LEASE_RENEW_DEADLINE_MS, 10_000),
      retryPeriodMs: integer('LEASE_RETRY_PERIOD_MS', env.LEASE_RETRY_PERIOD_MS, 2_000),
    },
    mongo: { uri: mongoUri, database },
    workers: integer('workers', values.workers ?? env.WORKERS, 4),
    build: {
      builderImageTemplate: env.BUILDER_IMAGE ?? 'ghcr.io/inet-swarm/builder:omnetpp-{version}',
      distccImage: env.DISTCC_IMAGE ?? 'ghcr.io/inet-swarm/distccd:latest',
      mongoSecretName: env.MONGODB_SECRET_NAME ?? 'inet-swarm-mongodb',
      mongoUri: env.BUILDER_MONGODB_URI ?? mongoUri,
      mongoDatabase: database,
      builderWorkingDir: env.BUILDER_WORKDIR ?? '/app',
      builderCommand: ['node', 'pods/builder/main.js'],
      runAsUser: integer('RUN_AS_USER', env.RUN_AS_USER, 1000),
      serviceAccountName: env.BUILDER_SERVICE_ACCOUNT || 'inet-swarm-builder',
    },
    campaign: campaignSettingsFromEnv(env, { uri: mongoUri, database }, integer('RUN_AS_USER', env.RUN_AS_USER, 1000)),
  };
}
