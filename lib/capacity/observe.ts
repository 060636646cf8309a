// Reads the capacity manager's view of the cluster from the Kubernetes API:
// the campaigns and builds that want pods, and the runner-pool nodes that run
// pods now. Lists, not informers: the loop runs every half minute and needs a
// consistent snapshot, not events.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { isNotFound, classify } from '../kube/errors.ts';
import {
  buildDemandOf,
  campaignDemandOf,
  type BuildDemand,
  type BuildObject,
  type CampaignDemand,
  type CampaignObject,
} from './demand.ts';

/** The demand side of one capacity decision. */
export interface ObservedDemand {
  campaigns: CampaignDemand[];
  builds: BuildDemand[];
  /** Runner-pool nodes registered in Kubernetes. */
  runnerNodes: number;
  /** Runner-pool nodes with at least one runner or builder pod that has not finished. */
  busyNodes: number;
  /** Runner and builder pods on the runner pool that have not finished. */
  runnerPods: number;
}

export interface ObserveOptions {
  /** Label selector of the runner pool's nodes. */
  runnerNodeSelector: string;
  defaultRunCpu: number;
  defaultBuildCpu: number;
  /** Observe one namespace only (a namespaced install, or a test); unset observes all. */
  namespace?: string;
}

const group = 'inetswarm.dev';
const unfinished = 'status.phase!=Succeeded,status.phase!=Failed';
const version = 'v1alpha1';

async function listAll<T>(custom: CustomObjectsApi, plural: string, namespace: string | undefined): Promise<T[]> {
  try {
    const out = (
      namespace === undefined
        ? await custom.listClusterCustomObject({ group, version, plural })
        : await custom.listNamespacedCustomObject({ group, version, plural, namespace })
    ) as { items?: T[] };
    return out.items ?? [];
  } catch (err) {
    // Without the CRD nothing can ask for capacity: no demand rather than no decision.
    if (isNotFound(err)) return [];
    throw classify(err, `Listing ${plural}`);
  }
}

// DaemonSet pods (distccd, kube-proxy, the CNI) run on every node and never
// make it busy; everything else that tolerates the runner taint is a runner or
// a builder.
function occupiesNode(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  return !(pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet');
}

/** Builds the default demand observer over the Kubernetes API. */
export function kubernetesDemandObserver(kubeConfig: KubeConfig, options: ObserveOptions): () => Promise<ObservedDemand> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  return async () => {
    const [campaigns, builds, nodes, pods] = await Promise.all([
      listAll<CampaignObject>(custom, 'simulationcampaigns', options.namespace),
      listAll<BuildObject>(custom, 'inetbuilds', options.namespace),
      core.listNode({ labelSelector: options.runnerNodeSelector }).catch((err: unknown) => {
        throw classify(err, 'Listing runner nodes');
      }),
      (options.namespace === undefined
        ? core.listPodForAllNamespaces({ fieldSelector: unfinished })
        : core.listNamespacedPod({ namespace: options.namespace, fieldSelector: unfinished })
      ).catch((err: unknown) => {
          throw classify(err, 'Listing pods');
        }),
    ]);
    const runnerNodeNames = new Set(nodes.items.map((n) => n.metadata?.name ?? ''));
    const busy = new Set<string>();
    let runnerPods = 0;
    for (const pod of pods.items) {
      const node = pod.spec?.nodeName;
      if (!node || !runnerNodeNames.has(node) || !occupiesNode(pod)) continue;
      busy.add(node);
      runnerPods += 1;
    }
    return {
      campaigns: campaigns.flatMap((c) => campaignDemandOf(c, options.defaultRunCpu) ?? []),
      builds: builds.flatMap((b) => buildDemandOf(b, options.defaultBuildCpu) ?? []),
      runnerNodes: runnerNodeNames.size,
      busyNodes: busy.size,
      runnerPods,
    };
  };
}
