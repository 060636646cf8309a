// What the SimulationCampaign controller sees: its informers (campaigns, the
// builds they name, runner Jobs and pods, all enqueueing campaign keys), and
// for one key the campaign, its build, its runner Job and pods, its progress
// in MongoDB (throttled: a slow store is read less often), whether the
// namespace still holds the runner Secret and ServiceAccount, and the
// capacity other campaigns leave, turned into the plain observation
// decideCampaign takes.
import type { CoreV1Api, CustomObjectsApi, KubeConfig, V1Job, V1Pod } from '@kubernetes/client-node';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { GROUP, INET_BUILD, SIMULATION_CAMPAIGN, VERSION, type InetBuild, type SimulationCampaign, type SimulationCampaignStatus } from '../../../api/v1alpha1.ts';
import { CAMPAIGN_LABEL, COMPONENT_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from '../../../api/labels.ts';
import { TemporaryError } from '../../../lib/errors.ts';
import { keyOf, splitKey } from '../../../lib/kube/keys.ts';
import { classify, isNotFound } from '../../../lib/kube/errors.ts';
import type { CampaignRef } from '../../../lib/queue/subjects.ts';
import { readCampaignProgress } from '../../../lib/store/progress.ts';
import { readCampaign } from '../../../lib/store/campaigns.ts';
import { controllerKeys, labelKeys, type ResilientInformer } from '../../runtime/informer.ts';
import { customResourceInformer, jobInformer, podInformer } from '../../runtime/informers.ts';
import { isFinal, type CampaignObservation, type ObservedProgress, type ObservedRunnerJob } from './decide.ts';
import { runnerJobName } from './manifests.ts';
import type { ObservedRunnerPod } from './runner-pods.ts';
import { observedRunnerPod } from './observe-pods.ts';
import { namespaceReady, type NamespaceChecks } from './namespace-check.ts';
import type { CampaignSettings } from './settings.ts';
import { storeFullOf } from './store-probe.ts';
import type { TenantStores } from '../../runtime/tenant-store.ts';

/** Informers the SimulationCampaign controller watches, all enqueueing campaign keys. */
export interface CampaignInformers {
  campaigns: ResilientInformer<SimulationCampaign>;
  builds: ResilientInformer<InetBuild>;
  jobs: ResilientInformer<V1Job>;
  /** Runner pods: a container that cannot start (no image, no Secret) is reported on its campaign. */
  pods: ResilientInformer<V1Pod>;
}

/** Per-campaign memory of this operator process; lost on restart, which only costs a re-read. */
export interface CampaignMemory {
  key: string;
  queueReady: boolean;
  /** The last progress read: when it finished, how long it took, what it said. */
  progress?: { at: number; ms: number; value: ObservedProgress };
  lastStatusWrite?: Date;
  /** The status last written and the resourceVersion it produced: the cache may lag behind it. */
  written?: { status: SimulationCampaignStatus; resourceVersion: string };
  /** Keys of the runner incidents reported by an Event, among those still seen. */
  reportedIncidents: Set<string>;
  /** The last write probe of the namespace's store (store-probe.ts): when, and its store-full message. */
  storeProbe?: { at: number; full: string | undefined };
}

/** What the reconcile remembers across calls. */
export interface CampaignControllerState {
  /** Per campaign uid. */
  memory: Map<string, CampaignMemory>;
  /** Per namespace: when its runner Secret and ServiceAccount were last looked at, and whether both were there. */
  namespaceChecks: NamespaceChecks;
  /** Namespaces whose work-queue streams were ensured. */
  streamsReady: Set<string>;
}

/** One campaign as observed: what act needs besides decide's input. */
export interface ObservedCampaign {
  key: string;
  uid: string;
  ref: CampaignRef;
  memory: CampaignMemory;
  observation: CampaignObservation;
}

export interface ObserveDeps {
  informers: CampaignInformers;
  custom: CustomObjectsApi;
  /** Each namespace's database: a campaign's progress is read in its own namespace's only. */
  stores: Pick<TenantStores, 'db'>;
  /** Reads the namespace's runner Secret and ServiceAccount by name (the RBAC grants get on those names only). */
  core: CoreV1Api;
  settings: CampaignSettings;
  log: Logger;
  now: () => Date;
}

const runnerSelector = `${MANAGED_BY_LABEL}=${MANAGED_BY},${COMPONENT_LABEL}=runner`;

/** Creates (not starts) the informers of the campaign controller, cluster-wide or for one `namespace`. */
export function campaignInformers(kubeConfig: KubeConfig, enqueue: (key: string) => void, log: Logger, namespace?: string): CampaignInformers {
  const scope = { kubeConfig, enqueue, log, namespace };
  const campaigns = customResourceInformer<SimulationCampaign>(scope, {
    name: 'simulationcampaigns',
    plural: SIMULATION_CAMPAIGN.plural,
    keys: (obj) => [keyOf(obj)],
  });
  return {
    campaigns,
    builds: customResourceInformer<InetBuild>(scope, {
      name: 'campaign-builds',
      plural: INET_BUILD.plural,
      // A build's progress moves every campaign that names it.
      keys: (build) =>
        campaigns
          .list(build.metadata?.namespace)
          .filter((c) => c.spec.buildRef.name === build.metadata?.name)
          .map(keyOf),
    }),
    jobs: jobInformer(scope, { name: 'runner-jobs', labelSelector: runnerSelector, keys: controllerKeys(SIMULATION_CAMPAIGN.kind, `${GROUP}/`) }),
    pods: podInformer(scope, {
      name: 'runner-pods',
      labelSelector: runnerSelector,
      keys: labelKeys(CAMPAIGN_LABEL),
    }),
  };
}

/** Observes the campaign of `key`; undefined (and forgotten) when it is gone. */
export async function observeCampaign(key: string, deps: ObserveDeps, state: CampaignControllerState): Promise<ObservedCampaign | undefined> {
  const { namespace, name } = splitKey(key);
  const cached = deps.informers.campaigns.get(name, namespace);
  if (!cached) {
    for (const [uid, m] of state.memory) if (m.key === key) state.memory.delete(uid);
    return undefined;
  }
  const uid = cached.metadata.uid ?? '';
  const memory = memoryOf(state, uid, key);
  const campaign =
    memory.written && olderThan(cached.metadata.resourceVersion, memory.written.resourceVersion) ? { ...cached, status: memory.written.status } : cached;
  const deleting = Boolean(campaign.metadata.deletionTimestamp);
  const build = deleting ? undefined : await readBuild(deps, campaign.spec.buildRef.name, namespace);
  const jobName = runnerJobName(campaign);
  const cachedJob = deps.informers.jobs.get(jobName, namespace);
  const job = cachedJob?.metadata?.ownerReferences?.some((r) => r.uid === uid) ? cachedJob : undefined;
  const wantsProgress = !deleting && !isFinal(campaign.status) && build?.status?.phase === 'Succeeded';
  const wantsRunners = wantsProgress && Boolean(build?.status?.artifact?.digest);
  const observation: CampaignObservation = {
    campaign,
    build,
    job: job ? observedJob(job) : undefined,
    progress: wantsProgress ? await progressOf(deps, memory, uid, key) : undefined,
    ...(wantsProgress ? { storeFull: await storeFullOf(deps.stores.db(namespace), memory, uid, deps.now()) } : {}),
    runnerPods: runnerPodsOf(deps.informers.pods, namespace, name),
    queueReady: memory.queueReady,
    ...(wantsRunners ? { namespaceReady: await namespaceReady(deps, state.namespaceChecks, namespace) } : {}),
    reportedIncidents: memory.reportedIncidents,
    capacity: capacityLeft(deps, namespace, jobName),
    lastStatusWrite: memory.lastStatusWrite,
    now: deps.now(),
    settings: deps.settings,
  };
  return { key, uid, ref: { namespace, campaign: name, campaignUid: uid }, memory, observation };
}

function memoryOf(state: CampaignControllerState, uid: string, key: string): CampaignMemory {
  let memory = state.memory.get(uid);
  if (!memory) {
    memory = { key, queueReady: false, reportedIncidents: new Set() };
    state.memory.set(uid, memory);
  }
  return memory;
}

function olderThan(cached: string | undefined, written: string): boolean {
  // resourceVersions are opaque, but every API server in use returns etcd revisions; when they are not numbers, trust the cache.
  const a = Number(cached);
  const b = Number(written);
  return Number.isFinite(a) && Number.isFinite(b) && a < b;
}

async function readBuild(deps: ObserveDeps, name: string, namespace: string): Promise<InetBuild | undefined> {
  const cached = deps.informers.builds.get(name, namespace);
  if (cached) return cached;
  // A build created just before its campaign may not be in the cache yet: ask before failing the campaign.
  try {
    return (await deps.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: INET_BUILD.plural, name })) as InetBuild;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw classify(error, `reading InetBuild ${namespace}/${name}`);
  }
}

/** The campaign's progress, re-read only when the last read is stale. */
async function progressOf(deps: ObserveDeps, memory: CampaignMemory, uid: string, key: string): Promise<ObservedProgress | undefined> {
  const { now } = deps;
  // A slow store (a big campaign on a small MongoDB) is read less often: at most a quarter of the time.
  const fresh = memory.progress && now().getTime() - memory.progress.at < Math.max(deps.settings.statusIntervalMs, 3 * memory.progress.ms);
  if (!fresh) {
    const started = Date.now();
    const value = { ...(await readProgress(deps.stores.db(splitKey(key).namespace), uid, now())), readAt: now() };
    const ms = Date.now() - started;
    memory.progress = { at: now().getTime(), ms, value };
    deps.log.debug({ campaign: key, ms }, 'Read campaign progress');
  }
  return memory.progress?.value;
}

async function readProgress(db: Db, uid: string, now: Date): Promise<ObservedProgress> {
  try {
    const [progress, plan] = await Promise.all([readCampaignProgress(db, uid, now), readCampaign(db, uid)]);
    return { ...progress, planError: plan?.planError };
  } catch (error) {
    throw new TemporaryError(`reading the progress of campaign ${uid}: ${(error as Error).message}`, { cause: error });
  }
}

/** Runner pods the cluster can still take for this campaign; undefined without a capacity limit. */
function capacityLeft(deps: ObserveDeps, namespace: string, jobName: string): number | undefined {
  if (deps.settings.capacity === undefined) return undefined;
  const others = deps.informers.jobs
    .list()
    .filter((j) => !(j.metadata?.namespace === namespace && j.metadata?.name === jobName))
    .reduce((sum, j) => sum + (j.spec?.parallelism ?? 0), 0);
  return Math.max(0, deps.settings.capacity - others);
}

/** The campaign's runner pods from the cache, as far as they tell what keeps a runner from working. */
function runnerPodsOf(pods: ResilientInformer<V1Pod>, namespace: string, campaign: string): ObservedRunnerPod[] {
  return pods
    .list(namespace)
    .filter((p) => p.metadata?.labels?.[CAMPAIGN_LABEL] === campaign && !p.metadata?.deletionTimestamp)
    .map(observedRunnerPod);
}

/** The Job's Failed condition, when the Job gave up. */
function jobFailure(job: V1Job): { reason: string; message: string } | undefined {
  const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  return failed ? { reason: failed.reason ?? 'JobFailed', message: failed.message ?? '' } : undefined;
}

function observedJob(job: V1Job): ObservedRunnerJob {
  const failed = jobFailure(job);
  return { parallelism: job.spec?.parallelism ?? 1, active: job.status?.active ?? 0, ...(failed ? { failed } : {}) };
}
