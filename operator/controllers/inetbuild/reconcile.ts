// The InetBuild controller's I/O: observe (informer caches + the builder's
// record in MongoDB), call decideBuild, act (server-side apply of the
// children, status when changed, Events).
import {
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { GROUP, INET_BUILD } from '../../../api/v1alpha1.ts';
import { buildPhaseRank } from '../../../api/phases.ts';
import { controllerKeys, type ResilientInformer } from '../../runtime/informer.ts';
import { keyOf, splitKey } from '../../../lib/kube/keys.ts';
import { customResourceInformer, jobInformer, podInformer } from '../../runtime/informers.ts';
import { classify } from '../../../lib/kube/errors.ts';
import { applyStatus, emitEvent } from '../../../lib/kube/resources.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import { decideBuild, sameStatus, type ObservedJob, type ObservedPod } from './decide.ts';
import { BUILD_LABEL, COMPONENT_LABEL, FIELD_MANAGER, MANAGED_BY, MANAGED_BY_LABEL } from '../../../api/labels.ts';
import { builderJobName, type BuildSettings } from './manifests.ts';
import { isoSeconds } from '../../../lib/time.ts';
import { BUILDS_COLLECTION, type BuildRecord } from '../../../lib/store/builds.ts';
import type { InetBuild, InetBuildStatus } from './types.ts';

export interface BuildControllerDeps {
  kubeConfig: KubeConfig;
  db: Db;
  settings: BuildSettings;
  log: Logger;
  /** Reporting instance for Events (the pod name). */
  identity: string;
  now?: () => Date;
}

/** Informers the InetBuild controller watches, all enqueueing InetBuild keys. */
export interface BuildInformers {
  builds: ResilientInformer<InetBuild>;
  jobs: ResilientInformer<V1Job>;
  pods: ResilientInformer<V1Pod>;
}

const builderSelector = `${MANAGED_BY_LABEL}=${MANAGED_BY},${COMPONENT_LABEL}=builder`;

/** Creates (not starts) the informers of the InetBuild controller, cluster-wide or for one `namespace`. */
export function buildInformers(kubeConfig: KubeConfig, enqueue: (key: string) => void, log: Logger, namespace?: string): BuildInformers {
  const scope = { kubeConfig, enqueue, log, namespace };
  return {
    builds: customResourceInformer<InetBuild>(scope, { name: 'inetbuilds', plural: INET_BUILD.plural, keys: (obj) => [keyOf(obj)] }),
    jobs: jobInformer(scope, { name: 'builder-jobs', labelSelector: builderSelector, keys: controllerKeys(INET_BUILD.kind, `${GROUP}/`) }),
    pods: podInformer(scope, {
      name: 'builder-pods',
      labelSelector: builderSelector,
      keys: (pod) => {
        const build = pod.metadata?.labels?.[BUILD_LABEL];
        return build ? [`${pod.metadata?.namespace ?? ''}/${build}`] : [];
      },
    }),
  };
}

function observeJob(job: V1Job | undefined): ObservedJob | undefined {
  if (!job) return undefined;
  return {
    ...(job.status?.startTime ? { startTime: new Date(job.status.startTime).toISOString() } : {}),
    active: job.status?.active ?? 0,
    succeeded: job.status?.succeeded ?? 0,
    failed: job.status?.failed ?? 0,
    conditions: (job.status?.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.message ? { message: c.message } : {}),
      ...(c.lastTransitionTime ? { lastTransitionTime: new Date(c.lastTransitionTime).toISOString() } : {}),
    })),
  };
}

function observePod(pod: V1Pod): ObservedPod {
  const container = pod.status?.containerStatuses?.find((c) => c.name === 'builder');
  const terminated = container?.state?.terminated;
  const waiting = container?.state?.waiting;
  return {
    phase: pod.status?.phase ?? 'Pending',
    ...(pod.status?.startTime ? { startTime: isoSeconds(new Date(pod.status.startTime)) } : {}),
    ...(terminated?.message ? { terminationMessage: terminated.message } : {}),
    ...(terminated?.reason || waiting?.reason ? { containerReason: terminated?.reason ?? waiting?.reason } : {}),
    ...(waiting?.message ? { containerMessage: waiting.message } : {}),
  };
}

/** The reconcile function of the InetBuild controller. */
export function buildReconciler(deps: BuildControllerDeps, informers: BuildInformers) {
  const objects = deps.kubeConfig.makeApiClient(KubernetesObjectApi);
  const custom = deps.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = deps.kubeConfig.makeApiClient(CoreV1Api);
  const records = deps.db.collection<BuildRecord>(BUILDS_COLLECTION);
  const now = deps.now ?? (() => new Date());
  // The status this controller last wrote per build uid: the informer cache can lag behind a write,
  // and deciding from the older status would write it again and repeat its Events.
  const written = new Map<string, { key: string; status: InetBuildStatus }>();

  return async function reconcileBuild(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const build = informers.builds.get(name, namespace);
    if (!build || build.metadata.deletionTimestamp) {
      for (const [uid, entry] of written) if (entry.key === key) written.delete(uid);
      return {};
    }
    const uid = build.metadata.uid ?? '';
    const lastWritten = written.get(uid);
    const observed: InetBuild = lastWritten && isOlder(build.status, lastWritten.status) ? { ...build, status: lastWritten.status } : build;
    const jobName = builderJobName(build);
    const job = informers.jobs.get(jobName, namespace);
    const ownedJob = job?.metadata?.ownerReferences?.some((r) => r.uid === uid) ? job : undefined;
    const pods = informers.pods.list(namespace).filter((p) => p.metadata?.labels?.[BUILD_LABEL] === name && p.metadata?.labels?.['job-name'] === jobName);

    let record: BuildRecord | undefined;
    const final = observed.status?.phase === 'Succeeded' || observed.status?.phase === 'Failed';
    try {
      // A finished build never changes again: its record need not be read.
      record = final ? undefined : ((await records.findOne({ _id: uid })) ?? undefined);
    } catch (error) {
      throw classify(error, `reading the build record of ${key}`);
    }

    const decision = decideBuild({ build: observed, job: observeJob(ownedJob), pods: pods.map(observePod), record, now: now(), settings: deps.settings });

    for (const manifest of decision.apply) {
      // A Job's pod template is immutable: once created it is only observed, never re-applied.
      if (manifest.kind === 'Job' && ownedJob) continue;
      try {
        await objects.patch(manifest as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      } catch (error) {
        throw classify(error, `applying ${manifest.kind} ${manifest.metadata.namespace}/${manifest.metadata.name}`);
      }
    }
    if (decision.status) {
      await applyStatus(custom, INET_BUILD, build, decision.status);
      written.set(uid, { key, status: decision.status });
      deps.log.info({ build: key, phase: decision.status.phase, reason: decision.status.conditions?.[0]?.reason }, 'Updated build status');
    }
    for (const event of decision.events) await emitEvent(core, INET_BUILD, build, event, deps);
    return decision.requeueAfterMs !== undefined ? { requeueAfterMs: decision.requeueAfterMs } : {};
  };
}

/** Whether the cached status predates the one written (phases only move forward; a final one never changes). */
function isOlder(cached: InetBuildStatus | undefined, written: InetBuildStatus): boolean {
  if (!cached) return true;
  if (sameStatus(cached, written)) return false;
  const a = buildPhaseRank(cached.phase);
  const b = buildPhaseRank(written.phase);
  return a < b || (a === b && (cached.conditions?.[0]?.lastTransitionTime ?? '') <= (written.conditions?.[0]?.lastTransitionTime ?? ''));
}
