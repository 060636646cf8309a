// The InetBuild controller's I/O: observe (informer caches + the builder's
// record in MongoDB), call decideBuild, act (server-side apply of the
// children, status when changed, Events).
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
  type V1Pod,
} from '@kubernetes/client-node';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { API_VERSION, GROUP, INET_BUILD, VERSION } from '../api/v1alpha1.ts';
import { controllerKeys, keyOf, ResilientInformer, splitKey } from '../runtime/informer.ts';
import { classify } from '../runtime/k8s.ts';
import type { ReconcileResult } from '../runtime/controller.ts';
import { decideBuild, sameStatus, type BuildEvent, type ObservedJob, type ObservedPod } from './decide.ts';
import { BUILD_LABEL, COMPONENT_LABEL, FIELD_MANAGER, MANAGED_BY, MANAGED_BY_LABEL, builderJobName, type BuildSettings } from './manifests.ts';
import { BUILDS_COLLECTION, type BuildRecord } from './record.ts';
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
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const scope = namespace ? `/namespaces/${namespace}` : '';
  return {
    builds: new ResilientInformer<InetBuild>({
      kubeConfig,
      name: 'inetbuilds',
      path: `/apis/${GROUP}/${VERSION}${scope}/${INET_BUILD.plural}`,
      list: () =>
        (namespace
          ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: INET_BUILD.plural })
          : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: INET_BUILD.plural })) as never,
      keys: (obj) => [keyOf(obj)],
      enqueue,
      log,
    }),
    jobs: new ResilientInformer<V1Job>({
      kubeConfig,
      name: 'builder-jobs',
      path: `/apis/batch/v1${scope}/jobs`,
      list: () =>
        namespace
          ? batch.listNamespacedJob({ namespace, labelSelector: builderSelector })
          : batch.listJobForAllNamespaces({ labelSelector: builderSelector }),
      labelSelector: builderSelector,
      keys: controllerKeys(INET_BUILD.kind, `${GROUP}/`),
      enqueue,
      log,
    }),
    pods: new ResilientInformer<V1Pod>({
      kubeConfig,
      name: 'builder-pods',
      path: `/api/v1${scope}/pods`,
      list: () =>
        namespace
          ? core.listNamespacedPod({ namespace, labelSelector: builderSelector })
          : core.listPodForAllNamespaces({ labelSelector: builderSelector }),
      labelSelector: builderSelector,
      keys: (pod) => {
        const build = pod.metadata?.labels?.[BUILD_LABEL];
        return build ? [`${pod.metadata?.namespace ?? ''}/${build}`] : [];
      },
      enqueue,
      log,
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
    ...(pod.status?.startTime ? { startTime: new Date(pod.status.startTime).toISOString().replace(/\.\d{3}Z$/, 'Z') } : {}),
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
      await writeStatus(custom, build, decision.status);
      written.set(uid, { key, status: decision.status });
      deps.log.info({ build: key, phase: decision.status.phase, reason: decision.status.conditions?.[0]?.reason }, 'Updated build status');
    }
    for (const event of decision.events) await emitEvent(core, build, event, deps);
    return decision.requeueAfterMs !== undefined ? { requeueAfterMs: decision.requeueAfterMs } : {};
  };
}

const phaseOrder = ['Pending', 'Building', 'Succeeded', 'Failed'];

/** Whether the cached status predates the one written (phases only move forward; a final one never changes). */
function isOlder(cached: InetBuildStatus | undefined, written: InetBuildStatus): boolean {
  if (!cached) return true;
  if (sameStatus(cached, written)) return false;
  const a = phaseOrder.indexOf(cached.phase ?? 'Pending');
  const b = phaseOrder.indexOf(written.phase ?? 'Pending');
  return a < b || (a === b && (cached.conditions?.[0]?.lastTransitionTime ?? '') <= (written.conditions?.[0]?.lastTransitionTime ?? ''));
}

async function writeStatus(custom: CustomObjectsApi, build: InetBuild, status: InetBuildStatus): Promise<void> {
  try {
    await custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        namespace: build.metadata.namespace ?? '',
        plural: INET_BUILD.plural,
        name: build.metadata.name ?? '',
        body: { apiVersion: API_VERSION, kind: INET_BUILD.kind, metadata: { name: build.metadata.name, namespace: build.metadata.namespace }, status },
        fieldManager: FIELD_MANAGER,
        force: true,
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
  } catch (error) {
    throw classify(error, `writing the status of ${keyOf(build)}`);
  }
}

async function emitEvent(core: CoreV1Api, build: InetBuild, event: BuildEvent, deps: BuildControllerDeps): Promise<void> {
  const time = new Date();
  try {
    await core.createNamespacedEvent({
      namespace: build.metadata.namespace ?? '',
      body: {
        metadata: { generateName: `${build.metadata.name ?? 'build'}.`, namespace: build.metadata.namespace ?? '' },
        involvedObject: { apiVersion: API_VERSION, kind: INET_BUILD.kind, name: build.metadata.name ?? '', namespace: build.metadata.namespace ?? '', uid: build.metadata.uid ?? '' },
        type: event.type,
        reason: event.reason,
        message: event.message.slice(0, 1024),
        source: { component: FIELD_MANAGER },
        reportingComponent: FIELD_MANAGER,
        reportingInstance: deps.identity,
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      },
    });
  } catch (error) {
    // An Event is a courtesy to the user; a lost one must not block the build.
    deps.log.warn({ build: keyOf(build), reason: event.reason, err: classify(error, 'creating an event').message }, 'Failed to emit event');
  }
}
