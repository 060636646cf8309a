// Informer factories for the watches the controllers need: this project's
// custom resources, the Jobs/Pods one of its components owns (found by
// label), the Pods and Nodes the capacity controller counts. They fix the list
// call, watch path and selectors in one place so the controllers only say what
// to watch and which keys an object moves.
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  type V1Job,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP, VERSION } from '../../api/v1alpha1.ts';
import { ResilientInformer } from './informer.ts';

/** What every watch of a controller shares. */
export interface WatchScope {
  kubeConfig: KubeConfig;
  /** Watch one namespace only; cluster-wide when absent. */
  namespace?: string;
  enqueue: (key: string) => void;
  log: Logger;
}

interface Watch<T extends KubernetesObject> {
  /** Human name for logs, e.g. `runner-jobs`. */
  name: string;
  /** Keys (`namespace/name`) of the objects to reconcile when this one changes. */
  keys: (obj: T) => string[];
}

/** Which objects of a kind: by label, by field (e.g. `status.phase!=Succeeded`), or both. */
interface Selectors {
  labelSelector?: string;
  fieldSelector?: string;
}

function scopePath(namespace: string | undefined): string {
  return namespace ? `/namespaces/${namespace}` : '';
}

/** An informer over one of this project's custom resources (`inetswarm.dev/v1alpha1`). */
export function customResourceInformer<T extends KubernetesObject>(
  scope: WatchScope,
  watch: Watch<T> & { plural: string },
): ResilientInformer<T> {
  const custom = scope.kubeConfig.makeApiClient(CustomObjectsApi);
  const { namespace } = scope;
  return new ResilientInformer<T>({
    ...scope,
    ...watch,
    path: `/apis/${GROUP}/${VERSION}${scopePath(namespace)}/${watch.plural}`,
    list: () =>
      (namespace
        ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: watch.plural })
        : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: watch.plural })) as never,
  });
}

/** An informer over the Jobs that match a label selector (one component's Jobs). */
export function jobInformer(scope: WatchScope, watch: Watch<V1Job> & { labelSelector: string }): ResilientInformer<V1Job> {
  const batch = scope.kubeConfig.makeApiClient(BatchV1Api);
  const { namespace } = scope;
  const { labelSelector } = watch;
  return new ResilientInformer<V1Job>({
    ...scope,
    ...watch,
    path: `/apis/batch/v1${scopePath(namespace)}/jobs`,
    list: () => (namespace ? batch.listNamespacedJob({ namespace, labelSelector }) : batch.listJobForAllNamespaces({ labelSelector })),
  });
}

/** An informer over the Pods that match the selectors (one component's pods, or every unfinished pod). */
export function podInformer(scope: WatchScope, watch: Watch<V1Pod> & Selectors): ResilientInformer<V1Pod> {
  const core = scope.kubeConfig.makeApiClient(CoreV1Api);
  const { namespace } = scope;
  const selectors: Selectors = {
    ...(watch.labelSelector ? { labelSelector: watch.labelSelector } : {}),
    ...(watch.fieldSelector ? { fieldSelector: watch.fieldSelector } : {}),
  };
  return new ResilientInformer<V1Pod>({
    ...scope,
    ...watch,
    path: `/api/v1${scopePath(namespace)}/pods`,
    list: () => (namespace ? core.listNamespacedPod({ namespace, ...selectors }) : core.listPodForAllNamespaces(selectors)),
  });
}

/** An informer over the Nodes that match a label selector (Nodes are cluster-scoped: the scope's namespace does not apply). */
export function nodeInformer(scope: WatchScope, watch: Watch<V1Node> & { labelSelector: string }): ResilientInformer<V1Node> {
  const core = scope.kubeConfig.makeApiClient(CoreV1Api);
  const { labelSelector } = watch;
  return new ResilientInformer<V1Node>({
    ...scope,
    ...watch,
    path: '/api/v1/nodes',
    list: () => core.listNode({ labelSelector }),
  });
}
