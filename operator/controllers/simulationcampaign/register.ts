// Wiring of the SimulationCampaign controller into the operator process: the
// NATS connection, the informers, the reconcile and the campaign gauges.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { CAMPAIGN_PHASES, type SimulationCampaign } from '../../../api/v1alpha1.ts';
import { Controller } from '../../runtime/controller.ts';
import type { OperatorMetrics } from '../../runtime/metrics.ts';
import { isFinal } from './decide.ts';
import { campaignInformers, campaignReconciler } from './reconcile.ts';
import type { CampaignSettings } from './settings.ts';

export interface CampaignControllerOptions {
  kubeConfig: KubeConfig;
  db: Db;
  settings: CampaignSettings;
  log: Logger;
  metrics: OperatorMetrics;
  workers: number;
  identity: string;
  namespace: string | undefined;
}

export interface StartedCampaignController {
  controller: Controller;
  informers: { start(): Promise<void>; stop(): Promise<void>; synced: Promise<void>; list(): readonly KubernetesObject[] }[];
  /** Closes the NATS connection; call after the controller stopped. */
  close(): Promise<void>;
}

/**
 * Connects to NATS and builds the controller (the caller starts informers and
 * workers). Returns undefined when no NATS URL is configured: without a work
 * queue there is nothing a campaign can do.
 */
export async function startCampaignController(options: CampaignControllerOptions): Promise<StartedCampaignController | undefined> {
  const { settings, log } = options;
  if (!settings.nats) {
    log.warn('Started no campaign controller: NATS_URL is not set');
    return undefined;
  }
  const nc = await connect({
    servers: settings.nats.url,
    ...(settings.nats.user ? { user: settings.nats.user } : {}),
    ...(settings.nats.password ? { pass: settings.nats.password } : {}),
    name: `inet-swarm-operator ${options.identity}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
  });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);

  let reconcile: (key: string) => Promise<{ requeueAfterMs?: number }> = async () => ({});
  const controller = new Controller({ name: 'simulationcampaign', workers: options.workers, log, metrics: options.metrics, reconcile: (key) => reconcile(key) });
  const informers = campaignInformers(options.kubeConfig, controller.enqueue, log, options.namespace);
  const inner = campaignReconciler({ kubeConfig: options.kubeConfig, db: options.db, js, jsm, settings, log, identity: options.identity }, informers);
  reconcile = async (key) => {
    try {
      return await inner(key);
    } finally {
      countCampaigns(options.metrics, informers.campaigns.list());
    }
  };
  log.info({ nats: settings.nats.url, queuePrefix: settings.queuePrefix }, 'Created campaign controller');
  return {
    controller,
    informers: [informers.campaigns, informers.builds, informers.jobs],
    close: async () => {
      await nc.drain().catch(() => undefined);
    },
  };
}

/** Sets the campaigns-by-phase and runs-by-status gauges from the informer cache (statuses are small). */
function countCampaigns(metrics: OperatorMetrics, campaigns: readonly SimulationCampaign[]): void {
  const phases = new Map<string, number>(CAMPAIGN_PHASES.map((phase) => [phase, 0]));
  const runs = { pending: 0, running: 0, succeeded: 0, failed: 0 };
  for (const campaign of campaigns) {
    const phase = campaign.status?.phase ?? 'Pending';
    phases.set(phase, (phases.get(phase) ?? 0) + 1);
    if (isFinal(campaign.status)) continue;
    for (const key of Object.keys(runs) as (keyof typeof runs)[]) runs[key] += campaign.status?.runs?.[key] ?? 0;
  }
  for (const [phase, count] of phases) metrics.campaigns.labels(phase).set(count);
  for (const [status, count] of Object.entries(runs)) metrics.runs.labels(status).set(count);
}
