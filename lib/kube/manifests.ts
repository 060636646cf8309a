// Building blocks of the pods and objects the controllers create, as plain
// data: the pieces every one of them shares, so that a builder, a distccd and
// a runner pod are locked down and scheduled alike, and the Events their
// decisions ask for.
import { managedLabels } from '../../api/labels.ts';

/** An object to apply, as plain data. */
export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels?: Record<string, string>; ownerReferences?: unknown[] };
  [field: string]: unknown;
};

/** Runner-pool nodes carry this taint; pods that belong there tolerate it. */
export const RUNNER_POOL_TOLERATION = { key: 'inetswarm.dev/pool', operator: 'Equal', value: 'runner', effect: 'NoSchedule' };
export const RUNNER_POOL_SELECTOR = { 'inetswarm.dev/pool': 'runner' };

/**
 * Where the operator's pods of one kind may go beyond their defaults: node
 * labels to match on top of their own selector and taints to tolerate on top
 * of their own tolerations (a dedicated node group, a GPU pool, a test node).
 */
export interface PodPlacement {
  nodeSelector: Record<string, string>;
  tolerations: Record<string, unknown>[];
}

export const NO_PLACEMENT: PodPlacement = { nodeSelector: {}, tolerations: [] };

/** A pod spec's nodeSelector and tolerations: the pod's own, then the operator's placement settings. */
export function placed(own: { nodeSelector?: Record<string, string>; tolerations?: Record<string, unknown>[] }, placement: PodPlacement) {
  const nodeSelector = { ...own.nodeSelector, ...placement.nodeSelector };
  const tolerations = [...(own.tolerations ?? []), ...placement.tolerations];
  return { ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}), ...(tolerations.length > 0 ? { tolerations } : {}) };
}

/** A container that runs as `uid`, with no privileges and a read-only root (the restricted Pod Security Standard). */
export function restrictedSecurityContext(uid: number) {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Owner reference that makes `owner` the controller of a child (garbage-collected with it). */
export function controllerReference(owner: { metadata: { name?: string; uid?: string } }, kind: { apiVersion: string; kind: string }) {
  return {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * The ServiceAccount of the pods the operator runs in a namespace (builder,
 * distccd, runner): bound to no role and mounting no token, so that those
 * pods, which run users' code, have no Kubernetes API access whatever the
 * namespace's `default` account may have been granted.
 */
export function podServiceAccount(name: string, namespace: string, component: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace, labels: managedLabels(component) },
    automountServiceAccountToken: false,
  };
}

/** An Event as the pure decision functions return it. */
export interface UserEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}
