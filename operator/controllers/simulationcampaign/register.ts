// The SimulationCampaign controller as the runtime registers it: the NATS
// connection (closed on shutdown), informers over campaigns, their builds and
// runner Jobs, a reconcile of observe -> decideCampaign -> act, the state that
// reconcile keeps, and the campaign gauges read from the informer cache when
// scraped. Off without NATS_URL: without a work queue a campaign can do nothing.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { CAMPAIGN_PHASES, type SimulationCampaign } from '../../../api/v1alpha1.ts';
import { queueNames } from '../../../lib/queue/subjects.ts';
import { credsOptions, mintUserCreds } from '../../../lib/queue/identity.ts';
import type { OperatorMetrics } from '../../runtime/metrics.ts';
import { objectController, type ControllerContext, type ControllerModule, type Registration } from '../../runtime/registration.ts';
import { namespaceGuard } from '../shared/tenancy.ts';
import { actOnCampaign, campaignClients } from './act.ts';
import { decideCampaign, isFinal } from './decide.ts';
import { campaignInformers, observeCampaign, type CampaignControllerState } from './observe.ts';

/** Registers the campaign controller; undefined when no NATS URL is configured. */
export async function registerCampaigns(context: ControllerContext, now: () => Date = () => new Date()): Promise<Registration<CampaignControllerState> | undefined> {
  const { kubeConfig, config, log, metrics } = context;
  const settings = config.campaign;
  if (!settings.nats) {
    log.warn('Started no campaign controller: NATS_URL is not set');
    return undefined;
  }
  if (!settings.nats.signer) log.warn('NATS without a signing key: runners get no NATS identity of their namespace and no isolation');
  // The operator's own user, minted from the account's signing key: no credential of it is stored anywhere.
  const creds = settings.nats.signer ? await mintUserCreds(settings.nats.signer, `inet-swarm-operator ${config.leaderElection.identity}`) : undefined;
  const nc = await connect({
    servers: settings.nats.url,
    ...(creds ? credsOptions(creds) : {}),
    name: `inet-swarm-operator ${config.leaderElection.identity}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
  });
  const informers = campaignInformers(kubeConfig, context.enqueue, log, config.watchNamespace);
  const clients = campaignClients(kubeConfig);
  const observeDeps = { informers, custom: kubeConfig.makeApiClient(CustomObjectsApi), core: clients.core, stores: context.stores, settings, log, now };
  const names = queueNames(settings.queuePrefix);
  const actDeps = {
    clients,
    stores: context.stores,
    js: jetstream(nc),
    jsm: await jetstreamManager(nc),
    names,
    settings,
    log,
    identity: config.leaderElection.identity,
    now,
    namespaces: namespaceGuard(clients.objects, config.network),
  };
  const state: CampaignControllerState = { memory: new Map(), namespaceChecks: new Map(), streamsReady: new Set() };
  const campaigns = () => (informers.campaigns.hasSynced ? informers.campaigns.list() : undefined);
  metrics.refreshOnScrape(metrics.campaigns, () => countPhases(metrics, campaigns()));
  metrics.refreshOnScrape(metrics.runs, () => countRuns(metrics, campaigns()));
  log.info({ nats: settings.nats.url, queuePrefix: settings.queuePrefix }, 'Created campaign controller');
  const reconciler = objectController(informers, state, {
    observe: (key) => observeCampaign(key, observeDeps, state),
    decide: decideCampaign,
    act: (observed, decision) => actOnCampaign(observed, decision, actDeps, state),
  });
  return {
    ...reconciler,
    close: async () => {
      await nc.drain().catch(() => undefined);
    },
  };
}

export const campaignController: ControllerModule<CampaignControllerState> = { name: 'simulationcampaign', register: (context) => registerCampaigns(context) };

/** Sets the campaigns-by-phase gauge (statuses are small). */
function countPhases(metrics: OperatorMetrics, campaigns: readonly SimulationCampaign[] | undefined): void {
  if (!campaigns) return;
  const phases = new Map<string, number>(CAMPAIGN_PHASES.map((phase) => [phase, 0]));
  for (const campaign of campaigns) {
    const phase = campaign.status?.phase ?? 'Pending';
    phases.set(phase, (phases.get(phase) ?? 0) + 1);
  }
  for (const [phase, count] of phases) metrics.campaigns.labels(phase).set(count);
}

/** Sets the runs-by-status gauge, summed over the campaigns still active. */
function countRuns(metrics: OperatorMetrics, campaigns: readonly SimulationCampaign[] | undefined): void {
  if (!campaigns) return;
  const runs = { pending: 0, running: 0, succeeded: 0, failed: 0 };
  for (const campaign of campaigns) {
    if (isFinal(campaign.status)) continue;
    for (const key of Object.keys(runs) as (keyof typeof runs)[]) runs[key] += campaign.status?.runs?.[key] ?? 0;
  }
  for (const [status, count] of Object.entries(runs)) metrics.runs.labels(status).set(count);
}
