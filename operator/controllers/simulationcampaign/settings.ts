// Operator settings of the SimulationCampaign controller, from environment
// variables. Parsed once by the operator's config and passed down.

/** What the campaign controller and its runner Jobs need from the operator's configuration. */
export interface CampaignSettings {
  /** NATS as the operator reaches it; undefined leaves the campaign controller off. */
  nats: { url: string; user?: string; password?: string } | undefined;
  /** NATS as runner pods reach it (an in-cluster Service address). */
  runnerNatsUrl: string;
  /** Stream and subject prefix of the work queue (tests use their own). */
  queuePrefix: string;
  /** MongoDB as runner pods reach it; stored in the runner Secret, never in a pod spec. */
  runnerMongoUri: string;
  mongoDatabase: string;
  /** Runner image for an OMNeT++ version: `{version}` is replaced. */
  runnerImageTemplate: string;
  /** Working directory and command of the runner entrypoint inside the runner image. */
  runnerWorkingDir: string;
  runnerCommand: string[];
  /** Secret (created by the operator in each campaign namespace) with the runners' credentials. */
  runnerSecretName: string;
  /** ServiceAccount of runner pods (created by the operator in each campaign namespace; no API access). */
  runnerServiceAccount: string;
  runAsUser: number;
  /** Runner pods the cluster can hold at once, all campaigns together; undefined means no limit. */
  capacity: number | undefined;
  /** AckWait of a campaign's consumer; runners heartbeat well inside it. */
  ackWaitMs: number;
  /** Shortest time between two progress reads (and status writes) of one campaign. */
  statusIntervalMs: number;
}

function positive(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

/** Reads the campaign settings; `mongo` is the operator's own MongoDB URI and database (the runners' default). */
export function campaignSettingsFromEnv(env: NodeJS.ProcessEnv, mongo: { uri: string; database: string }, runAsUser: number): CampaignSettings {
  const natsUrl = env.NATS_URL || undefined;
  return {
    nats: natsUrl
      ? { url: natsUrl, ...(env.NATS_USER ? { user: env.NATS_USER } : {}), ...(env.NATS_PASSWORD ? { password: env.NATS_PASSWORD } : {}) }
      : undefined,
    runnerNatsUrl: env.RUNNER_NATS_URL || natsUrl || 'nats://inet-swarm-nats:4222',
    queuePrefix: env.QUEUE_PREFIX || 'INETSWARM',
    runnerMongoUri: env.RUNNER_MONGODB_URI || mongo.uri,
    mongoDatabase: mongo.database,
    runnerImageTemplate: env.RUNNER_IMAGE || 'ghcr.io/inet-swarm/runner:omnetpp-{version}',
    runnerWorkingDir: env.RUNNER_WORKDIR || '/app',
    runnerCommand: ['node', 'pods/runner/main.js'],
    runnerSecretName: env.RUNNER_SECRET_NAME || 'inet-swarm-runner',
    runnerServiceAccount: env.RUNNER_SERVICE_ACCOUNT || 'inet-swarm-runner',
    runAsUser,
    capacity: positive(env, 'RUNNER_CAPACITY'),
    ackWaitMs: (positive(env, 'RUNNER_ACK_WAIT_SECONDS') ?? 60) * 1000,
    statusIntervalMs: positive(env, 'CAMPAIGN_STATUS_INTERVAL_MS') ?? 2000,
  };
}
