// The SimulationCampaign controller's I/O: observe (informer caches, the
// campaign's progress in MongoDB, throttled), call decideCampaign, act (queue
// state in NATS JetStream, server-side apply of the runner Secret and Job, the
// finalizer, the status when changed, Events).
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
  type V1Job,
} from '@kubernetes/client-node';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { API_VERSION, GROUP, INET_BUILD, SIMULATION_CAMPAIGN, VERSION, type InetBuild, type SimulationCampaign, type SimulationCampaignStatus } from '../../../api/v1alpha1.ts';
import { CAMPAIGN_FINALIZER, COMPONENT_LABEL, FIELD_MANAGER, MANAGED_BY, MANAGED_BY_LABEL } from '../../../api/labels.ts';
import { podServiceAccount } from '../../../lib/kube/manifests.ts';
import { TemporaryError } from '../../../lib/errors.ts';
import { readCampaignProgress } from '../../../lib/store/progress.ts';
import { deleteCampaignQueueState, ensureCampaignConsumer, ensureStreams, publishPlanTask } from '../../../lib/queue/jetstream.ts';
import { queueNames, type CampaignRef } from '../../../lib/queue/subjects.ts';
import { readCampaign } from '../../../lib/store/store.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import { controllerKeys, type ResilientInformer } from '../../runtime/informer.ts';
import { keyOf, splitKey } from '../../../lib/kube/keys.ts';
import { customResourceInformer, jobInformer } from '../../runtime/informers.ts';
import { classify, isNotFound, statusCode } from '../../../lib/kube/errors.ts';
import { applyStatus, emitEvent } from '../../../lib/kube/resources.ts';
import { decideCampaign, isFinal, type ObservedProgress, type ObservedRunnerJob } from './decide.ts';
import { attemptPolicy, runnerJobName, runnerSecret } from './manifests.ts';
import type { CampaignSettings } from './settings.ts';

export interface CampaignControllerDeps {
  kubeConfig: KubeConfig;
  db: Db;
  js: JetStreamClient;
  jsm: JetStreamManager;
  settings: CampaignSettings;
  log: Logger;
  /** Reporting instance for Events (the pod name). */
  identity: string;
  now?: () => Date;
}

/** Informers the SimulationCampaign controller watches, all enqueueing campaign keys. */
export interface CampaignInformers {
  campaigns: ResilientInformer<SimulationCampaign>;
  builds: ResilientInformer<InetBuild>;
  jobs: ResilientInformer<V1Job>;
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
  };
}

/** Per-campaign state of this operator process; lost on restart, which only costs a re-read. */
interface Memory {
  key: string;
  queueReady: boolean;
  /** The last progress read: when it finished, how long it took, what it said. */
  progress?: { at: number; ms: number; value: ObservedProgress };
  lastStatusWrite?: Date;
  /** The status last written and the resourceVersion it produced: the cache may lag behind it. */
  written?: { status: SimulationCampaignStatus; resourceVersion: string };
}

function olderThan(cached: string | undefined, written: string): boolean {
  // resourceVersions are opaque, but every API server in use returns etcd revisions; when they are not numbers, trust the cache.
  const a = Number(cached);
  const b = Number(written);
  return Number.isFinite(a) && Number.isFinite(b) && a < b;
}

/** The reconcile function of the SimulationCampaign controller. */
export function campaignReconciler(deps: CampaignControllerDeps, informers: CampaignInformers) {
  const objects = deps.kubeConfig.makeApiClient(KubernetesObjectApi);
  const custom = deps.kubeConfig.makeApiClient(CustomObjectsApi);
  const batch = deps.kubeConfig.makeApiClient(BatchV1Api);
  const core = deps.kubeConfig.makeApiClient(CoreV1Api);
  const now = deps.now ?? (() => new Date());
  const { settings } = deps;
  const names = queueNames(settings.queuePrefix);
  const memory = new Map<string, Memory>();
  const namespacesPrepared = new Set<string>();
  let streamsReady = false;

  const apply = async (manifest: KubernetesObject, what: string): Promise<KubernetesObject> => {
    try {
      return await objects.patch(manifest, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (error) {
      throw classify(error, what);
    }
  };

  const readBuild = async (name: string, namespace: string): Promise<InetBuild | undefined> => {
    const cached = informers.builds.get(name, namespace);
    if (cached) return cached;
    // A build created just before its campaign may not be in the cache yet: ask before failing the campaign.
    try {
      return (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: INET_BUILD.plural, name })) as InetBuild;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw classify(error, `reading InetBuild ${namespace}/${name}`);
    }
  };

  const readProgress = async (uid: string): Promise<ObservedProgress> => {
    try {
      const [progress, plan] = await Promise.all([readCampaignProgress(deps.db, uid, now()), readCampaign(deps.db, uid)]);
      return { ...progress, planError: plan?.planError };
    } catch (error) {
      throw new TemporaryError(`reading the progress of campaign ${uid}: ${(error as Error).message}`, { cause: error });
    }
  };

  return async function reconcileCampaign(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const cached = informers.campaigns.get(name, namespace);
    if (!cached) {
      for (const [uid, m] of memory) if (m.key === key) memory.delete(uid);
      return {};
    }
    const uid = cached.metadata.uid ?? '';
    let mem = memory.get(uid);
    if (!mem) {
      mem = { key, queueReady: false };
      memory.set(uid, mem);
    }
    const campaign =
      mem.written && olderThan(cached.metadata.resourceVersion, mem.written.resourceVersion) ? { ...cached, status: mem.written.status } : cached;
    const ref: CampaignRef = { namespace, campaign: name, campaignUid: uid };
    const deleting = Boolean(campaign.metadata.deletionTimestamp);

    const build = deleting ? undefined : await readBuild(campaign.spec.buildRef.name, namespace);
    const jobName = runnerJobName(campaign);
    const ownedJob = informers.jobs.get(jobName, namespace);
    const job = ownedJob?.metadata?.ownerReferences?.some((r) => r.uid === uid) ? ownedJob : undefined;
    const observedJob: ObservedRunnerJob | undefined = job ? { parallelism: job.spec?.parallelism ?? 1, active: job.status?.active ?? 0 } : undefined;

    let progress: ObservedProgress | undefined;
    if (!deleting && !isFinal(campaign.status) && build?.status?.phase === 'Succeeded') {
      // A slow store (a big campaign on a small MongoDB) is read less often: at most a quarter of the time.
      const fresh = mem.progress && now().getTime() - mem.progress.at < Math.max(settings.statusIntervalMs, 3 * mem.progress.ms);
      if (!fresh) {
        const started = Date.now();
        const value = { ...(await readProgress(uid)), readAt: now() };
        const ms = Date.now() - started;
        mem.progress = { at: now().getTime(), ms, value };
        deps.log.debug({ campaign: key, ms }, 'Read campaign progress');
      }
      progress = mem.progress?.value;
    }

    let capacity: number | undefined;
    if (settings.capacity !== undefined) {
      const others = informers.jobs
        .list()
        .filter((j) => !(j.metadata?.namespace === namespace && j.metadata?.name === jobName))
        .reduce((sum, j) => sum + (j.spec?.parallelism ?? 0), 0);
      capacity = Math.max(0, settings.capacity - others);
    }

    const decision = decideCampaign({
      campaign,
      build,
      job: observedJob,
      progress,
      queueReady: mem.queueReady,
      capacity,
      lastStatusWrite: mem.lastStatusWrite,
      now: now(),
      settings,
    });

    if (decision.finalizer === 'add') {
      await apply(finalizerPatch(campaign, [CAMPAIGN_FINALIZER]), `adding the finalizer of ${key}`);
    }
    if (decision.cleanupQueue) {
      try {
        await deleteCampaignQueueState(deps.jsm, names, ref);
      } catch (error) {
        throw new TemporaryError(`removing the queue state of ${key}: ${(error as Error).message}`, { cause: error });
      }
      deps.log.info({ campaign: key, uid }, 'Removed campaign queue state');
    }
    if (decision.finalizer === 'remove') {
      try {
        await objects.patch(finalizerPatch(campaign, []), undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      } catch (error) {
        if (!isNotFound(error)) throw classify(error, `removing the finalizer of ${key}`);
      }
      memory.delete(uid);
      return {};
    }

    if (decision.ensureQueue) {
      try {
        if (!streamsReady) {
          await ensureStreams(deps.jsm, names);
          streamsReady = true;
        }
        await ensureCampaignConsumer(deps.jsm, names, ref, { ackWaitMs: settings.ackWaitMs });
        if (decision.publishPlan) {
          const { duplicate } = await publishPlanTask(deps.js, names, ref, attemptPolicy(campaign));
          deps.log.info({ campaign: key, uid, duplicate }, 'Published plan task');
        }
      } catch (error) {
        throw new TemporaryError(`preparing the work queue of ${key}: ${(error as Error).message}`, { cause: error });
      }
      mem.queueReady = true;
    }

    if (decision.job) {
      if (!namespacesPrepared.has(namespace)) {
        await apply(runnerSecret(namespace, settings) as KubernetesObject, `applying the runner Secret in ${namespace}`);
        await apply(podServiceAccount(settings.runnerServiceAccount, namespace, 'runner') as KubernetesObject, `applying the runner ServiceAccount in ${namespace}`);
        namespacesPrepared.add(namespace);
      }
      await applyJob(decision.job as KubernetesObject, key);
    }

    if (decision.status) {
      const written = await applyStatus(custom, SIMULATION_CAMPAIGN, campaign, decision.status);
      mem.lastStatusWrite = now();
      mem.written = { status: decision.status, resourceVersion: written.metadata?.resourceVersion ?? '' };
      const runs = decision.status.runs;
      if (decision.status.phase !== campaign.status?.phase) {
        deps.log.info({ campaign: key, phase: decision.status.phase, from: campaign.status?.phase, progress: decision.status.progress }, 'Changed campaign phase');
      } else {
        deps.log.debug({ campaign: key, phase: decision.status.phase, runs }, 'Updated campaign status');
      }
    }
    // After the status write: a crash between the two loses the Event rather than repeating it (at most once).
    for (const event of decision.events) await emitEvent(core, SIMULATION_CAMPAIGN, campaign, event, deps);
    return decision.requeueAfterMs !== undefined ? { requeueAfterMs: decision.requeueAfterMs } : {};
  };

  async function applyJob(job: KubernetesObject, key: string): Promise<void> {
    try {
      await objects.patch(job, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (error) {
      // A pod template is immutable: a Job made by an operator with other settings keeps its template; only its size follows.
      if (statusCode(error) !== 422) throw classify(error, `applying the runner Job of ${key}`);
      const spec = (job as { spec?: { parallelism?: number } }).spec;
      try {
        await batch.patchNamespacedJob(
          { name: job.metadata?.name ?? '', namespace: job.metadata?.namespace ?? '', body: { spec: { parallelism: spec?.parallelism ?? 0 } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      } catch (inner) {
        throw classify(inner, `scaling the runner Job of ${key}`);
      }
    }
  }
}

function finalizerPatch(campaign: SimulationCampaign, finalizers: string[]): KubernetesObject {
  return {
    apiVersion: API_VERSION,
    kind: SIMULATION_CAMPAIGN.kind,
    metadata: { name: campaign.metadata.name ?? '', namespace: campaign.metadata.namespace ?? '', finalizers },
  } as KubernetesObject;
}
