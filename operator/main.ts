// The operator process: configuration, logger, metrics and health server,
// leader election, then the informers and controllers while leading.
// A SIGTERM drains the queues, releases the Lease and exits.
import { KubeConfig } from '@kubernetes/client-node';
import { MongoClient } from 'mongodb';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { buildInformers, buildReconciler } from './controllers/inetbuild/reconcile.ts';
import { startCampaignController } from './controllers/simulationcampaign/register.ts';
import { capacityConfigFromEnv, capacityEnabled } from '../lib/capacity/config.ts';
import { loadConfig, type OperatorConfig } from './config.ts';
import { Controller } from './runtime/controller.ts';
import { LeaderElector } from './runtime/leader.ts';
import { createMetrics, startHealthServer, type OperatorMetrics } from './runtime/metrics.ts';
import { INET_BUILD_PHASES, type InetBuild } from '../api/v1alpha1.ts';
import { onShutdownSignal } from './runtime/shutdown.ts';

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
  const kubeConfig = new KubeConfig();
  if (config.kubeconfig) kubeConfig.loadFromFile(config.kubeconfig);
  else kubeConfig.loadFromDefault();

  const registry = new Registry();
  const metrics = createMetrics(registry, true);
  const mongo = new MongoClient(config.mongo.uri, { serverSelectionTimeoutMS: 10_000 });
  const db = mongo.db(config.mongo.database);

  let synced = false;
  let stopping = false;
  const controllers: Controller[] = [];
  const closers: (() => Promise<void>)[] = [];
  const informers: { stop(): Promise<void>; start(): Promise<void>; synced: Promise<void> }[] = [];

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

  // Scales the EKS runner nodegroup while leading; off unless INETSWARM_EKS_CLUSTER and INETSWARM_EKS_NODEGROUP are set.
  // The loop (and with it the AWS SDK) is loaded only when it will run.
  const capacityConfig = { ...capacityConfigFromEnv(process.env), namespace: config.leaderElection.namespace, watchNamespace: config.watchNamespace };
  const capacity = capacityEnabled(capacityConfig)
    ? new (await import('./controllers/capacity/loop.ts')).CapacityManager({ config: capacityConfig, logger: log, registry, kubeConfig })
    : undefined;
  if (!capacity) log.info('Capacity manager disabled: no EKS cluster and nodegroup configured');

  const startControllers = async (): Promise<void> => {
    // The informers need the queue to enqueue into and the reconcile needs the informers' caches.
    let reconcileBuild: (key: string) => Promise<{ requeueAfterMs?: number }> = async () => ({});
    const inetbuild = new Controller({ name: 'inetbuild', workers: config.workers, log, metrics, reconcile: (key) => reconcileBuild(key) });
    const watches = buildInformers(kubeConfig, inetbuild.enqueue, log, config.watchNamespace);
    const reconcile = buildReconciler({ kubeConfig, db, settings: config.build, log, identity: config.leaderElection.identity }, watches);
    reconcileBuild = async (key) => {
      try {
        return await reconcile(key);
      } finally {
        countBuildPhases(metrics, watches.builds.list());
      }
    };
    controllers.push(inetbuild);
    informers.push(watches.builds, watches.jobs, watches.pods);
    // The SimulationCampaign controller registers here the same way (off without NATS_URL).
    const campaigns = await startCampaignController({ kubeConfig, db, settings: config.campaign, log, metrics, workers: config.workers, identity: config.leaderElection.identity, namespace: config.watchNamespace });
    if (campaigns) {
      controllers.push(campaigns.controller);
      informers.push(...campaigns.informers);
      closers.push(campaigns.close);
    }
    await Promise.all(informers.map((i) => i.start()));
    await Promise.all(informers.map((i) => i.synced));
    synced = true;
    if (stopping) return;
    for (const c of controllers) c.start();
    capacity?.start();
    log.info({ controllers: controllers.map((c) => c.name) }, 'Started controllers');
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
    await Promise.all(informers.map((i) => i.stop()));
    await Promise.all(controllers.map((c) => c.stop()));
    await capacity?.stop();
    for (const close of closers) await close();
    await elector?.release();
    await mongo.close();
    await health.close();
  };
  return { leading, metricsPort: health.port, stop };
}

/** Sets the builds-by-phase gauge from the informer cache (cheap: builds are few). */
function countBuildPhases(metrics: OperatorMetrics, builds: readonly InetBuild[]): void {
  const counts = new Map<string, number>(INET_BUILD_PHASES.map((phase) => [phase, 0]));
  for (const build of builds) {
    const phase = build.status?.phase ?? 'Pending';
    counts.set(phase, (counts.get(phase) ?? 0) + 1);
  }
  for (const [phase, count] of counts) metrics.builds.labels(phase).set(count);
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
