// The capacity manager's state as a ConfigMap in the operator's namespace, so
// a user reads it with `kubectl get configmap inet-swarm-capacity -o yaml` and
// the CLI with `inet-swarm cluster status`; the loop also reads it back after a
// restart to keep its idle timer.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { classify, isNotFound } from '../kube/errors.ts';

/** Default name of the status ConfigMap. */
export const capacityStatusName = 'inet-swarm-capacity';

/** What the status ConfigMap holds; every value is a string in the ConfigMap. */
export interface CapacityStatus {
  cluster: string;
  nodegroup: string;
  instanceType: string;
  allocatableCpu: string;
  desiredNodes: string;
  currentNodes: string;
  busyNodes: string;
  neededNodes: string;
  queuedRuns: string;
  runningRuns: string;
  /** CamelCase reason of the last decision. */
  reason: string;
  message: string;
  /** Last time work or a busy node was seen (RFC 3339). */
  lastActivity: string;
  /** Last time the nodegroup's size changed (RFC 3339). */
  lastUpdate: string;
  /** `True` when the last tick observed, decided and acted without error. */
  ready: string;
  /** CamelCase reason of the last failure (AccessDenied, NodegroupNotFound, AwsUnavailable, ...); empty when ready. */
  condition: string;
  /** The last failure's message, naming what to fix; empty when ready. */
  error: string;
  lastErrorTime: string;
}

/** Turns a partial status into ConfigMap data, leaving out empty values so `kubectl` shows only what is known. */
export function statusData(status: Partial<CapacityStatus>): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(status)) {
    if (value !== undefined && value !== '') data[key] = value;
  }
  return data;
}

function sameData(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b).length) return false;
  return ak.every((k) => a?.[k] === b[k]);
}

/** Reads the status ConfigMap; undefined when it does not exist. */
export async function readCapacityStatus(
  kubeConfig: KubeConfig,
  namespace: string,
  name = capacityStatusName,
): Promise<Partial<CapacityStatus> | undefined> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  try {
    const cm = await core.readNamespacedConfigMap({ name, namespace });
    return (cm.data ?? {}) as Partial<CapacityStatus>;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw classify(err, `Reading ConfigMap ${namespace}/${name}`);
  }
}

/**
 * Writes the status ConfigMap when its data changed; returns whether it wrote.
 * The ConfigMap has no owner: it outlives operator restarts on purpose.
 */
export async function writeCapacityStatus(
  kubeConfig: KubeConfig,
  namespace: string,
  data: Record<string, string>,
  name = capacityStatusName,
): Promise<boolean> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const labels = { 'app.kubernetes.io/part-of': 'inet-swarm', 'app.kubernetes.io/component': 'capacity' };
  try {
    let existing;
    try {
      existing = await core.readNamespacedConfigMap({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!existing) {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name, namespace, labels }, data } });
      return true;
    }
    if (sameData(existing.data, data)) return false;
    await core.replaceNamespacedConfigMap({
      name,
      namespace,
      body: { ...existing, metadata: { ...existing.metadata, labels: { ...existing.metadata?.labels, ...labels } }, data },
    });
    return true;
  } catch (err) {
    throw classify(err, `Writing ConfigMap ${namespace}/${name}`);
  }
}
