// What scale-in does to a runner node in Kubernetes before its instance goes:
// cordon it (so no runner or builder pod lands there meanwhile, marked as the
// capacity manager's own so that only it uncordons), then ask the API server,
// not a cache, whether a pod that occupies the node came between the
// observation and the cordon. A merge patch, not server-side apply: the
// kubelet and other tools own the rest of a Node.
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { classify } from '../../../lib/kube/errors.ts';
import { occupiesNode, SCALE_IN_ANNOTATION, UNFINISHED_PODS } from '../../../lib/capacity/observe.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Marks the node unschedulable and as cordoned by the capacity manager at `now`. */
export async function cordonForScaleIn(kubeConfig: KubeConfig, node: string, now: Date): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const body = { spec: { unschedulable: true }, metadata: { annotations: { [SCALE_IN_ANNOTATION]: now.toISOString() } } };
  await core.patchNode({ name: node, body }, mergePatch).catch((err: unknown) => {
    throw classify(err, `Cordoning node ${node}`);
  });
}

/** Makes a node the capacity manager cordoned schedulable again. */
export async function uncordon(kubeConfig: KubeConfig, node: string): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const body = { spec: { unschedulable: false }, metadata: { annotations: { [SCALE_IN_ANNOTATION]: null } } };
  await core.patchNode({ name: node, body }, mergePatch).catch((err: unknown) => {
    throw classify(err, `Uncordoning node ${node}`);
  });
}

/** The names of the runner or builder pods on the node now (in `namespace`, or in all namespaces). */
export async function podsOccupying(kubeConfig: KubeConfig, node: string, namespace: string | undefined): Promise<string[]> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const fieldSelector = `spec.nodeName=${node},${UNFINISHED_PODS}`;
  const pods = await (namespace === undefined
    ? core.listPodForAllNamespaces({ fieldSelector })
    : core.listNamespacedPod({ namespace, fieldSelector })
  ).catch((err: unknown) => {
    throw classify(err, `Listing the pods on node ${node}`);
  });
  return pods.items.filter(occupiesNode).map((p) => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`);
}
