// Operator settings of the SimulationCampaign controller, from environment
// variables (docs/configuration.md). Parsed once by the operator's config and
// passed down.
import { ConfigError, MONGO_SCHEMES, NATS_SCHEMES, durationMs, integer, jsonObjects, jsonStringMap, text, url, type Env } from '../../../lib/config.ts';
import type { PodPlacement } from '../../../lib/kube/manifests.ts';
import type { AccountSigner } from '../../../lib/queue/identity.ts';

/** What the campaign controller and its runner Jobs need from the operator's configuration. */
export interface CampaignSettings {
  /**
   * NATS as the operator reaches it; undefined leaves the campaign controller off. With `signer`
   * (the application account and its signing seed) the operator mints its own user and each namespace's.
   */
  nats: { url: string; signer?: AccountSigner } | undefined;
  /** NATS as runner pods reach it (an in-cluster Service address). */
  runnerNatsUrl: string;
  /** Stream and subject prefix of the work queue (tests use their own). */
  queuePrefix: string;
  /** MongoDB as runner pods reach it: its hosts and options; the runner Secret holds it with the namespace's login. */
  runnerMongoUri: string;
  /** Prefix of the namespaces' databases (lib/store/tenant.ts). */
  mongoDatabase: string;
  /** Runner image for an OMNeT++ version: `{version}` is replaced. */
  runnerImageTemplate: string;
  /** Working directory of the runner inside the runner image, and its program: the container's args, so that the image's init process (tini) stays PID 1. */
  runnerWorkingDir: string;
  runnerArgs: string[];
  /** Extra node labels and tolerations of runner pods, beyond the runner pool's. */
  runnerPlacement: PodPlacement;
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
  /** Most runs a plan may have, passed to the runners; their default without it. */
  planMaxRuns: number | undefined;
}

/** Reads the campaign settings; `mongo` is the operator's own MongoDB URI and database (the runners' default). */
export function campaignSettingsFromEnv(env: Env, mongo: { uri: string; database: string }, runAsUser: number): CampaignSettings {
  const natsUrl = url(env, 'INETSWARM_NATS_URL', NATS_SCHEMES);
  const signer = natsSigner(env);
  return {
    nats: natsUrl ? { url: natsUrl, ...(signer ? { signer } : {}) } : undefined,
    runnerNatsUrl: url(env, 'INETSWARM_RUNNER_NATS_URL', NATS_SCHEMES) ?? natsUrl ?? 'nats://inet-swarm-nats:4222',
    queuePrefix: text(env, 'INETSWARM_QUEUE_PREFIX') ?? 'INETSWARM',
    runnerMongoUri: url(env, 'INETSWARM_RUNNER_MONGO_URI', MONGO_SCHEMES, { secret: true }) ?? mongo.uri,
    mongoDatabase: mongo.database,
    runnerImageTemplate: text(env, 'INETSWARM_RUNNER_IMAGE') ?? 'ghcr.io/inet-swarm/runner:omnetpp-{version}',
    runnerWorkingDir: text(env, 'INETSWARM_RUNNER_WORKDIR') ?? '/app',
    runnerArgs: ['node', 'pods/runner/main.js'],
    runnerPlacement: placementFromEnv(env, 'runner'),
    runnerSecretName: text(env, 'INETSWARM_RUNNER_SECRET_NAME') ?? 'inet-swarm-runner',
    runnerServiceAccount: text(env, 'INETSWARM_RUNNER_SERVICE_ACCOUNT') ?? 'inet-swarm-runner',
    runAsUser,
    capacity: integer(env, 'INETSWARM_RUNNER_CAPACITY', { min: 1 }),
    ackWaitMs: durationMs(env, 'INETSWARM_ACK_WAIT_SECONDS') ?? 60_000,
    statusIntervalMs: durationMs(env, 'INETSWARM_CAMPAIGN_STATUS_INTERVAL_SECONDS') ?? 2_000,
    planMaxRuns: integer(env, 'INETSWARM_PLAN_MAX_RUNS', { min: 1, max: 2 ** 31 - 1 }),
  };
}

/** The account and signing seed, both or neither. */
function natsSigner(env: Env): AccountSigner | undefined {
  const account = text(env, 'INETSWARM_NATS_ACCOUNT');
  const signingSeed = text(env, 'INETSWARM_NATS_SIGNING_KEY');
  if (!account && !signingSeed) return undefined;
  if (!account || !/^A[A-Z2-7]{55}$/.test(account)) throw new ConfigError('INETSWARM_NATS_ACCOUNT', 'INETSWARM_NATS_ACCOUNT must be the public key of the NATS application account (56 characters starting with A)');
  if (!signingSeed || !/^SA[A-Z2-7]{56}$/.test(signingSeed)) throw new ConfigError('INETSWARM_NATS_SIGNING_KEY', 'INETSWARM_NATS_SIGNING_KEY must be an account signing key seed (58 characters starting with SA)');
  return { account, signingSeed };
}

/** The variables of each kind's placement, spelled out so that the configuration table's check finds them. */
const PLACEMENT_VARIABLES = {
  runner: ['INETSWARM_RUNNER_NODE_SELECTOR', 'INETSWARM_RUNNER_TOLERATIONS'],
  builder: ['INETSWARM_BUILDER_NODE_SELECTOR', 'INETSWARM_BUILDER_TOLERATIONS'],
} as const;

/** A kind's node labels (a JSON object of strings) and tolerations (a JSON array of tolerations). */
export function placementFromEnv(env: Env, kind: keyof typeof PLACEMENT_VARIABLES): PodPlacement {
  const [selector, tolerations] = PLACEMENT_VARIABLES[kind];
  return { nodeSelector: jsonStringMap(env, selector) ?? {}, tolerations: jsonObjects(env, tolerations) ?? [] };
}
