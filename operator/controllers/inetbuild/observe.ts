// What the InetBuild controller sees: its informers (builds, builder Jobs and
// pods, all enqueueing InetBuild keys), and for one key the build, its Job,
// its pods and the builder's record in MongoDB, turned into the plain
// observation decideBuild takes.
import type { KubeConfig, V1Job, V1Pod } from '@kubernetes/client-node';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { buildPhaseRank } from '../../../api/phases.ts';
import { GROUP, INET_BUILD, type InetBuild, type InetBuildStatus } from '../../../api/v1alpha1.ts';
import { BUILD_LABEL, COMPONENT_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from '../../../api/labels.ts';
import { keyOf, splitKey } from '../../../lib/kube/keys.ts';
import { classify } from '../../../lib/kube/errors.ts';
import { isoSeconds } from '../../../lib/time.ts';
import { BUILDS_COLLECTION, type ArtifactCheck, type BuildRecord } from '../../../lib/store/builds.ts';
import { verifyStoredArtifact } from '../../../lib/store/artifacts.ts';
import { tenantUri } from '../../../lib/store/tenant.ts';
import type { TenantStores } from '../../runtime/tenant-store.ts';
import { controllerKeys, labelKeys, type ResilientInformer } from '../../runtime/informer.ts';
import { customResourceInformer, jobInformer, podInformer } from '../../runtime/informers.ts';
import { sameStatus, type BuildObservation, type ObservedJob, type ObservedPod } from './decide.ts';
import { recordedResult } from './phase.ts';
import { builderJobName, type BuildSettings } from './manifests.ts';

/** Informers the InetBuild controller watches, all enqueueing InetBuild keys. */
export interface BuildInformers {
  builds: ResilientInformer<InetBuild>;
  jobs: ResilientInformer<V1Job>;
  pods: ResilientInformer<V1Pod>;
}

/** What the reconcile remembers across calls. */
export interface BuildControllerState {
  /**
   * The status this controller last wrote per build uid: the informer cache can lag behind a write,
   * and deciding from the older status would write it again and repeat its Events.
   */
  written: Map<string, { key: string; status: InetBuildStatus }>;
  /** The artifact check made per build uid (with the digest it checked): an artifact is read back and hashed once. */
  checked: Map<string, { digest: string; check: ArtifactCheck }>;
}

/** One build as observed: the cached object (what act writes to), its Job, and decide's input. */
export interface ObservedBuild {
  key: string;
  build: InetBuild;
  /** The builder Job, when this build owns it. */
  ownedJob: V1Job | undefined;
  observation: BuildObservation;
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
      keys: labelKeys(BUILD_LABEL),
    }),
  };
}

export interface ObserveDeps {
  informers: BuildInformers;
  /** The namespace's database (the build record is read there only) and its store login. */
  stores: TenantStores;
  settings: BuildSettings;
  now: () => Date;
}

/** Observes the build of `key`; undefined (and forgotten) when it is gone or being deleted. */
export async function observeBuild(key: string, deps: ObserveDeps, state: BuildControllerState): Promise<ObservedBuild | undefined> {
  const { namespace, name } = splitKey(key);
  const build = deps.informers.builds.get(name, namespace);
  if (!build || build.metadata.deletionTimestamp) {
    for (const [uid, entry] of state.written) {
      if (entry.key !== key) continue;
      state.written.delete(uid);
      state.checked.delete(uid);
    }
    return undefined;
  }
  const uid = build.metadata.uid ?? '';
  const lastWritten = state.written.get(uid);
  const observed: InetBuild = lastWritten && isOlder(build.status, lastWritten.status) ? { ...build, status: lastWritten.status } : build;
  const jobName = builderJobName(build);
  const job = deps.informers.jobs.get(jobName, namespace);
  const ownedJob = job?.metadata?.ownerReferences?.some((r) => r.uid === uid) ? job : undefined;
  const pods = deps.informers.pods
    .list(namespace)
    .filter((p) => p.metadata?.labels?.[BUILD_LABEL] === name && p.metadata?.labels?.['job-name'] === jobName);
  const db = deps.stores.db(namespace);
  const record = await readRecord(db, observed, key);
  const storeUri = tenantUri(deps.settings.mongoUri, await storeLogin(deps.stores, namespace));
  const observedPods = pods.map(observePod);
  const artifactCheck = await checkArtifact(observed, { record, pods: observedPods }, db, state);
  const observation = {
    build: observed,
    job: observeJob(ownedJob),
    pods: observedPods,
    record,
    ...(artifactCheck ? { artifactCheck } : {}),
    now: deps.now(),
    settings: deps.settings,
    storeUri,
  };
  return { key, build, ownedJob, observation };
}

async function storeLogin(stores: TenantStores, namespace: string) {
  try {
    return await stores.login(namespace);
  } catch (error) {
    throw classify(error, `ensuring the store login of namespace ${namespace}`);
  }
}

async function readRecord(db: Db, build: InetBuild, key: string): Promise<BuildRecord | undefined> {
  // A finished build never changes again: its record need not be read.
  if (build.status?.phase === 'Succeeded' || build.status?.phase === 'Failed') return undefined;
  try {
    return (await db.collection<BuildRecord>(BUILDS_COLLECTION).findOne({ _id: build.metadata.uid ?? '' })) ?? undefined;
  } catch (error) {
    throw classify(error, `reading the build record of ${key}`);
  }
}

/** The operator's check of the artifact a not yet finished build claims, made once per build and digest. */
async function checkArtifact(build: InetBuild, seen: Pick<BuildObservation, 'record' | 'pods'>, db: Db, state: BuildControllerState): Promise<ArtifactCheck | undefined> {
  const result = recordedResult(seen);
  if (result?.phase !== 'Succeeded' || build.status?.phase === 'Succeeded') return undefined;
  const uid = build.metadata.uid ?? '';
  const known = state.checked.get(uid);
  if (known?.digest === result.artifact.digest) return known.check;
  const check = await verifyStoredArtifact(db, result.artifact, build.metadata.namespace ?? '');
  state.checked.set(uid, { digest: result.artifact.digest, check });
  return check;
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

/** Whether the cached status predates the one written (phases only move forward; a final one never changes). */
function isOlder(cached: InetBuildStatus | undefined, written: InetBuildStatus): boolean {
  if (!cached) return true;
  if (sameStatus(cached, written)) return false;
  const a = buildPhaseRank(cached.phase);
  const b = buildPhaseRank(written.phase);
  return a < b || (a === b && (cached.conditions?.[0]?.lastTransitionTime ?? '') <= (written.conditions?.[0]?.lastTransitionTime ?? ''));
}
