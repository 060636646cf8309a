// Prometheus metrics and the health endpoints. The registry is created by
// main and passed in, so tests and several operators in one process never
// share the global default registry.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, collectDefaultMetrics, type Registry } from 'prom-client';

export interface OperatorMetrics {
  registry: Registry;
  reconciles: Counter<'controller' | 'result'>;
  reconcileErrors: Counter<'controller' | 'kind'>;
  queueDepth: Gauge<'controller'>;
  campaigns: Gauge<'phase'>;
  runs: Gauge<'status'>;
  builds: Gauge<'phase'>;
  /**
   * Makes a gauge of observed state (campaigns, runs, builds) follow `refresh`,
   * which sets it from an informer cache whenever the registry is scraped: it
   * follows deletions too, and no reconcile has to remember to update it.
   */
  refreshOnScrape(gauge: Gauge<string>, refresh: () => void): void;
}

/** Registers the operator's metrics on `registry` (plus process metrics when `processMetrics`). */
export function createMetrics(registry: Registry, processMetrics = false): OperatorMetrics {
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const refreshers = new Map<Gauge<string>, () => void>();
  const stateGauge = <L extends string>(name: string, help: string, label: L): Gauge<L> => {
    const gauge: Gauge<L> = new Gauge<L>({ name, help, labelNames: [label], registers: [registry], collect: () => refreshers.get(gauge)?.() });
    return gauge;
  };
  return {
    registry,
    reconciles: new Counter({
      name: 'inetswarm_reconciles_total',
      help: 'Reconciles by controller and result (success, requeue, error).',
      labelNames: ['controller', 'result'],
      registers: [registry],
    }),
    reconcileErrors: new Counter({
      name: 'inetswarm_reconcile_errors_total',
      help: 'Failed reconciles by controller and error kind (temporary, permanent).',
      labelNames: ['controller', 'kind'],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'inetswarm_workqueue_depth',
      help: 'Keys waiting in the work queue of a controller.',
      labelNames: ['controller'],
      registers: [registry],
    }),
    campaigns: stateGauge('inetswarm_campaigns', 'SimulationCampaigns by phase.', 'phase'),
    runs: stateGauge('inetswarm_runs', 'Runs of active campaigns by status.', 'status'),
    builds: stateGauge('inetswarm_builds', 'InetBuilds by phase.', 'phase'),
    refreshOnScrape: (gauge, refresh) => {
      refreshers.set(gauge, refresh);
    },
  };
}

export interface HealthServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  /** Live: the process is not wedged. */
  healthy: () => boolean;
  /** Ready: caches synced (a follower is ready too: it is ready to take over). */
  ready: () => boolean;
}

/** Serves /metrics, /healthz and /readyz; resolves once listening, with the bound port. */
export async function startHealthServer(options: HealthServerOptions): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      options.registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': options.registry.contentType });
          res.end(body);
        })
        .catch((error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        });
      return;
    }
    if (path === '/healthz' || path === '/readyz') {
      const ok = path === '/healthz' ? options.healthy() : options.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok\n' : 'not ready\n');
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
