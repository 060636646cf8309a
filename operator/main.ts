// The operator process: configuration, logger, metrics and health server,
// leader election, then, while leading, every controller of CONTROLLERS
// registered, its informers synced and its workers started.
// A SIGTERM drains the queues, releases the Lease and exits.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { MongoClient } from 'mongodb';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { capacityController } from './controllers/capacity/register.ts';
import { inetBuildController } from './controllers/inetbuild/register.ts';
import { campaignController } from './controllers/simulationcampaign/register.ts';
import { retentionController } from './controllers/retention/register.ts';
import { loadConfig, type OperatorConfig } from './config.ts';
import { LeaderElector } from './runtime/leader.ts';
import { createMetrics, startHealthServer } from './runtime/metrics.ts';
import { register, startCaches, startWorkers, stopAll, type ControllerModule, type Registered, type SharedContext } from './runtime/registration.ts';
import { onShutdownSignal } from './runtime/shutdown.ts';
import { tenantStores, type TenantStores } from './runtime/tenant-store.ts';
import { SECRET_KEYS } from './controllers/simulationcampaign/manifests.ts';
import { BUILDER_SECRET_KEY } from './controllers/inetbuild/manifests.ts';

/** Every controller of the operator, registered and started the same way. */
const CONTROLLERS: readonly ControllerModule[] = [inetBuildController, campaignController, capacityController, retentionController];

export interface RunningOperator {
  /** Resolves once the operator leads and its caches have synced. */
  leading: Promise<void>;
  metricsPort: number;
  stop(): Promise<void>;
}

/**
 * Starts the operator with `config`; used by the process entry below and by
 * tests that run the operator in-process against the local stack.
 */
export async function startOperator(config: OperatorConfig, log: Logger): Promise<RunningOperator> {
  const kubeConfig = loadKubeConfig(config);
  const registry = new Registry();
  const metrics = createMetrics(registry, true);
  const mongo = new MongoClient(config.mongo.uri, { serverSelectionTimeoutMS: 10_000 });
  const stores = storesOf(config, kubeConfig, mongo, log);

  let synced = false;
  let stopping = false;
  const running: Registered[] = [];

  const elector = config.leaderElection.enabled
    ? new LeaderElector({ kubeConfig, log, ...config.leaderElection })
    : undefined;

  const health = await startHealthServer({
    port: config.metricsPort,
    host: config.metricsHost,
    registry,
    healthy: () => !stopping,
    // A follower is ready: it serves metrics and stands by to take over.
    ready: () => !stopping && (synced || !elector?.isLeader),
  });
  log.info({ port: health.port }, 'Started metrics and health server');

  const shared: SharedContext = { kubeConfig, stores, config, env: process.env, log, metrics };
  const startControllers = async (): Promise<void> => {
    for (const module of CONTROLLERS) {
      const registered = await register(module, shared, { workers: config.workers });
      if (registered) running.push(registered);
    }
    await startCaches(running);
    synced = true;
    if (stopping) return;
    for (const registered of running) startWorkers(registered);
    log.info({ controllers: running.map((r) => r.name) }, 'Started controllers');
  };

  const leading = (async () => {
    if (elector) {
      const acquired = await elector.acquire();
      if (!acquired) return;
      void elector.lost.then(() => {
        // Another replica may lead now: reconciling on would race it.
        log.error('Exited after losing leadership');
        process.exit(1);
      });
    }
    await startControllers();
  })();

  const stop = async (): Promise<void> => {
    stopping = true;
    await stopAll(running);
    await elector?.release();
    await mongo.close();
    await health.close();
  };
  return { leading, metricsPort: health.port, stop };
}

/** Each namespace's database and login, through the operator's admin connection; a login is kept in the runner or builder Secret. */
function storesOf(config: OperatorConfig, kubeConfig: KubeConfig, client: MongoClient, log: Logger): TenantStores {
  const secrets = [
    { name: config.campaign.runnerSecretName, key: SECRET_KEYS.mongoUri },
    { name: config.build.mongoSecretName, key: BUILDER_SECRET_KEY },
  ];
  return tenantStores({ client, prefix: config.mongo.database, core: kubeConfig.makeApiClient(CoreV1Api), secrets, log });
}

function loadKubeConfig(config: OperatorConfig): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (config.kubeconfig) kubeConfig.loadFromFile(config.kubeconfig);
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}

async function main(): Promise<void> {
  const config = loadConfig(process.env, process.argv.slice(2));
  const log = pino({ level: config.logLevel, base: { component: 'operator' } });
  const operator = await startOperator(config, log);
  onShutdownSignal(log, () => operator.stop());
  await operator.leading;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
