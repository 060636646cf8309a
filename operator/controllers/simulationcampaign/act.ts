// What the SimulationCampaign controller does with a decision, in order: the
// finalizer, the deletion of an expired campaign, the queue state in NATS
// JetStream and the stored results when asked (removed on deletion, ensured
// and planned otherwise), the runner Secret and ServiceAccount when observe
// found them missing, the runner Job, the status when changed, then the
// Events.
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { API_VERSION, SIMULATION_CAMPAIGN, type SimulationCampaign } from '../../../api/v1alpha1.ts';
import { CAMPAIGN_FINALIZER, FIELD_MANAGER } from '../../../api/labels.ts';
import { TemporaryError } from '../../../lib/errors.ts';
import { classify, isNotFound, statusCode } from '../../../lib/kube/errors.ts';
import { podServiceAccount } from '../../../lib/kube/manifests.ts';
import { emitEvent, writeStatusOrReport } from '../../../lib/kube/resources.ts';
import { deleteCampaignQueueState, ensureCampaignConsumer, ensureStreams, publishPlanTask } from '../../../lib/queue/jetstream.ts';
import type { queueNames } from '../../../lib/queue/subjects.ts';
import { mintUserCreds } from '../../../lib/queue/identity.ts';
import { runnerPermissions } from '../../../lib/queue/permissions.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import type { NamespaceGuard } from '../shared/tenancy.ts';
import type { CampaignDecision } from './decide.ts';
import { attemptPolicy, runnerSecret } from './manifests.ts';
import type { CampaignControllerState, ObservedCampaign } from './observe.ts';
import { markPrepared } from './namespace-check.ts';
import type { CampaignSettings } from './settings.ts';
import { tenantUri } from '../../../lib/store/tenant.ts';
import type { TenantStores } from '../../runtime/tenant-store.ts';
import { deleteStoredResults, expireCampaign } from './retention.ts';

/** The API clients act uses, made once per registration. */
export interface CampaignClients {
  objects: KubernetesObjectApi;
  custom: CustomObjectsApi;
  batch: BatchV1Api;
  core: CoreV1Api;
}

export function campaignClients(kubeConfig: KubeConfig): CampaignClients {
  return {
    objects: kubeConfig.makeApiClient(KubernetesObjectApi),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    batch: kubeConfig.makeApiClient(BatchV1Api),
    core: kubeConfig.makeApiClient(CoreV1Api),
  };
}

export interface ActDeps {
  clients: CampaignClients;
  /** The namespace's store login, written into its runner Secret, and its database (results deleted with the campaign). */
  stores: Pick<TenantStores, 'login' | 'db'>;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: ReturnType<typeof queueNames>;
  settings: CampaignSettings;
  log: Logger;
  /** Reporting instance for Events (the pod name). */
  identity: string;
  now: () => Date;
  /** The namespace's NetworkPolicies and tenant label, before any of its pods. */
  namespaces: NamespaceGuard;
}

/** Carries out `decision` for the observed campaign; returns when to look again. */
export async function actOnCampaign(observed: ObservedCampaign, decision: CampaignDecision, deps: ActDeps, state: CampaignControllerState): Promise<ReconcileResult> {
  const { key, uid } = observed;
  const { campaign } = observed.observation;
  if (decision.finalizer === 'add') await apply(deps, finalizerPatch(campaign, [CAMPAIGN_FINALIZER]), `adding the finalizer of ${key}`);
  if (decision.expire) {
    await expireCampaign(campaign, decision.expire, key, deps);
    return {};
  }
  if (decision.cleanupQueue) await cleanupQueue(observed, deps);
  // A big campaign's results go in batches: the finalizer stays until the last one.
  if (decision.deleteResults && !(await deleteStoredResults(observed, deps))) return { requeueAfterMs: 0 };
  if (decision.finalizer === 'remove') {
    await removeFinalizer(campaign, key, deps);
    state.memory.delete(uid);
    return {};
  }
  if (decision.ensureQueue) await ensureQueue(observed, decision.publishPlan, deps, state);
  if (decision.prepareNamespace) await prepareNamespace(observed.ref.namespace, deps, state);
  if (decision.job) await applyRunnerJob(decision.job as KubernetesObject, observed, deps);
  if (decision.status) await writeStatus(observed, decision, deps);
  // After the status write: a crash between the two loses the Event rather than repeating it (at most once).
  for (const event of decision.events) await emitEvent(deps.clients.core, SIMULATION_CAMPAIGN, campaign, event, deps);
  // Incidents no longer seen are forgotten, so that the memory holds only what the cache holds.
  observed.memory.reportedIncidents = new Set(decision.incidents);
  return decision.requeueAfterMs !== undefined ? { requeueAfterMs: decision.requeueAfterMs } : {};
}

async function apply(deps: ActDeps, manifest: KubernetesObject, what: string): Promise<KubernetesObject> {
  try {
    return await deps.clients.objects.patch(manifest, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  } catch (error) {
    throw classify(error, what);
  }
}

async function cleanupQueue(observed: ObservedCampaign, deps: ActDeps): Promise<void> {
  try {
    await deleteCampaignQueueState(deps.jsm, deps.names, observed.ref);
  } catch (error) {
    throw new TemporaryError(`removing the queue state of ${observed.key}: ${(error as Error).message}`, { cause: error });
  }
  deps.log.info({ campaign: observed.key, uid: observed.uid }, 'Removed campaign queue state');
}

async function removeFinalizer(campaign: SimulationCampaign, key: string, deps: ActDeps): Promise<void> {
  try {
    await deps.clients.objects.patch(finalizerPatch(campaign, []), undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  } catch (error) {
    if (!isNotFound(error)) throw classify(error, `removing the finalizer of ${key}`);
  }
}

async function ensureQueue(observed: ObservedCampaign, publishPlan: boolean, deps: ActDeps, state: CampaignControllerState): Promise<void> {
  const { key, uid, ref } = observed;
  try {
    if (!state.streamsReady.has(ref.namespace)) {
      await ensureStreams(deps.jsm, deps.names, ref.namespace);
      state.streamsReady.add(ref.namespace);
    }
    await ensureCampaignConsumer(deps.jsm, deps.names, ref, { ackWaitMs: deps.settings.ackWaitMs });
    if (publishPlan) {
      const { duplicate } = await publishPlanTask(deps.js, deps.names, ref, attemptPolicy(observed.observation.campaign));
      deps.log.info({ campaign: key, uid, duplicate }, 'Published plan task');
    }
  } catch (error) {
    throw new TemporaryError(`preparing the work queue of ${key}: ${(error as Error).message}`, { cause: error });
  }
  observed.memory.queueReady = true;
}

/**
 * A fresh NATS user of the namespace's runners (a new one each time the Secret is applied: when it is
 * missing or incomplete; earlier users stay valid, so running pods keep theirs).
 */
async function namespaceCreds(deps: ActDeps, namespace: string): Promise<string | undefined> {
  const signer = deps.settings.nats?.signer;
  return signer ? mintUserCreds(signer, `runners of ${namespace}`, runnerPermissions(deps.names, namespace)) : undefined;
}

/**
 * What the namespace's runner pods need before the Job: its policies and label (once per process, shared/tenancy.ts),
 * the runner Secret with the namespace's store login and a fresh NATS user, and the runner ServiceAccount. Run when
 * observe found the Secret or ServiceAccount missing or incomplete, so a deleted Secret is back on the next reconcile.
 */
async function prepareNamespace(namespace: string, deps: ActDeps, state: CampaignControllerState): Promise<void> {
  await deps.namespaces.prepare(namespace);
  const login = await deps.stores.login(namespace).catch((error: unknown) => {
    throw classify(error, `ensuring the store login of namespace ${namespace}`);
  });
  const secret = runnerSecret(namespace, deps.settings, tenantUri(deps.settings.runnerMongoUri, login), await namespaceCreds(deps, namespace));
  await apply(deps, secret as KubernetesObject, `applying the runner Secret in ${namespace}`);
  await apply(deps, podServiceAccount(deps.settings.runnerServiceAccount, namespace, 'runner') as KubernetesObject, `applying the runner ServiceAccount in ${namespace}`);
  markPrepared(state.namespaceChecks, namespace, deps.now());
  deps.log.info({ namespace, secret: deps.settings.runnerSecretName }, 'Applied the runner Secret and ServiceAccount');
}

async function applyRunnerJob(job: KubernetesObject, observed: ObservedCampaign, deps: ActDeps): Promise<void> {
  try {
    await deps.clients.objects.patch(job, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  } catch (error) {
    // A pod template is immutable: a Job made by an operator with other settings keeps its template; only its size follows.
    if (statusCode(error) !== 422) throw classify(error, `applying the runner Job of ${observed.key}`);
    await scaleRunnerJob(job, observed.key, deps);
  }
}

async function scaleRunnerJob(job: KubernetesObject, key: string, deps: ActDeps): Promise<void> {
  const spec = (job as { spec?: { parallelism?: number } }).spec;
  try {
    await deps.clients.batch.patchNamespacedJob(
      { name: job.metadata?.name ?? '', namespace: job.metadata?.namespace ?? '', body: { spec: { parallelism: spec?.parallelism ?? 0 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  } catch (error) {
    throw classify(error, `scaling the runner Job of ${key}`);
  }
}

async function writeStatus(observed: ObservedCampaign, decision: CampaignDecision, deps: ActDeps): Promise<void> {
  const status = decision.status;
  if (!status) return;
  const { key, memory } = observed;
  const { campaign } = observed.observation;
  const written = await writeStatusOrReport(deps.clients, SIMULATION_CAMPAIGN, campaign, status, deps);
  memory.lastStatusWrite = deps.now();
  memory.written = { status, resourceVersion: written.metadata?.resourceVersion ?? '' };
  if (status.phase !== campaign.status?.phase) {
    deps.log.info({ campaign: key, phase: status.phase, from: campaign.status?.phase, progress: status.progress }, 'Changed campaign phase');
  } else {
    deps.log.debug({ campaign: key, phase: status.phase, runs: status.runs }, 'Updated campaign status');
  }
}

function finalizerPatch(campaign: SimulationCampaign, finalizers: string[]): KubernetesObject {
  return {
    apiVersion: API_VERSION,
    kind: SIMULATION_CAMPAIGN.kind,
    metadata: { name: campaign.metadata.name ?? '', namespace: campaign.metadata.namespace ?? '', finalizers },
  } as KubernetesObject;
}
