// Informer factories for the watches both controllers need: this project's
// custom resources, and the Jobs/Pods one of its components owns (found by
// label). They fix the list call, watch path and selector in one place so the
// controllers only say what to watch and which keys an object moves.
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  type V1Job,
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

/** An informer over the Pods that match a label selector (one component's pods). */
export function podInformer(scope: WatchScope, watch: Watch<V1Pod> & { labelSelector: string }): ResilientInformer<V1Pod> {
  const core = scope.kubeConfig.makeApiClient(CoreV1Api);
  const { namespace } = scope;
  const { labelSelector } = watch;
  return new ResilientInformer<V1Pod>({
    ...scope,
    ...watch,
    path: `/api/v1${scopePath(namespace)}/pods`,
    list: () => (namespace ? core.listNamespacedPod({ namespace, labelSelector }) : core.listPodForAllNamespaces({ labelSelector })),
  });
}
