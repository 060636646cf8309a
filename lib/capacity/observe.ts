// The capacity manager's view of the cluster: the campaigns and builds that
// want pods, and the runner-pool nodes that run pods now. `demandOf` counts
// it from the objects, wherever they come from: the operator's capacity
// controller passes its informer caches, `inet-swarm cluster` a snapshot of
// lists (`kubernetesDemandObserver`, below).
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { GROUP, INET_BUILD, SIMULATION_CAMPAIGN, VERSION } from '../../api/v1alpha1.ts';
import { isNotFound, classify } from '../kube/errors.ts';
import {
  buildDemandOf,
  campaignDemandOf,
  type BuildDemand,
  type BuildObject,
  type CampaignDemand,
  type CampaignObject,
} from './demand.ts';

/** Set on a runner node the capacity manager cordoned to remove it, so that it uncordons only its own. */
export const SCALE_IN_ANNOTATION = 'inetswarm.dev/scale-in';

/** One runner-pool node as scale-in sees it. */
export interface RunnerNode {
  name: string;
  /** The EC2 instance behind the node, from its providerID; undefined off AWS. */
  instanceId?: string;
  /** A runner or builder pod that has not finished is on it. */
  busy: boolean;
  /** Cordoned by the capacity manager for removal (SCALE_IN_ANNOTATION). */
  cordonedForScaleIn: boolean;
}

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
  /** Every runner-pool node, busy or idle, sorted by name. */
  nodes: RunnerNode[];
}

export interface ObserveOptions {
  /** Label selector of the runner pool's nodes. */
  runnerNodeSelector: string;
  defaultRunCpu: number;
  defaultBuildCpu: number;
  /** Observe one namespace only (a namespaced install, or a test); unset observes all. */
  namespace?: string;
}

/** The objects the demand is counted from: campaigns, builds, the runner pool's nodes, and the pods that have not finished. */
export interface DemandObjects {
  campaigns: readonly CampaignObject[];
  builds: readonly BuildObject[];
  nodes: readonly V1Node[];
  pods: readonly V1Pod[];
}

/** Field selector of the pods that may occupy a node (the list and the operator's watch use it). */
export const UNFINISHED_PODS = 'status.phase!=Succeeded,status.phase!=Failed';

/** The instance id of an AWS node's providerID (`aws:///eu-central-1a/i-0123...`); undefined for any other. */
export function instanceIdOf(providerID: string | undefined): string | undefined {
  const m = /^aws:\/\/\/[^/]*\/(i-[0-9a-zA-Z]+)$/.exec(providerID ?? '');
  return m?.[1];
}

// DaemonSet pods (distccd, kube-proxy, the CNI) run on every node and never
// make it busy; everything else that tolerates the runner taint is a runner or
// a builder.
export function occupiesNode(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  return !(pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet');
}

/** Counts the demand and the runner pool's occupation from the objects. */
export function demandOf(objects: DemandObjects, options: Pick<ObserveOptions, 'defaultRunCpu' | 'defaultBuildCpu'>): ObservedDemand {
  const runnerNodeNames = new Set(objects.nodes.map((n) => n.metadata?.name ?? ''));
  const busy = new Set<string>();
  let runnerPods = 0;
  for (const pod of objects.pods) {
    const node = pod.spec?.nodeName;
    if (!node || !runnerNodeNames.has(node) || !occupiesNode(pod)) continue;
    busy.add(node);
    runnerPods += 1;
  }
  return {
    campaigns: objects.campaigns.flatMap((c) => campaignDemandOf(c, options.defaultRunCpu) ?? []),
    builds: objects.builds.flatMap((b) => buildDemandOf(b, options.defaultBuildCpu) ?? []),
    runnerNodes: runnerNodeNames.size,
    busyNodes: busy.size,
    runnerPods,
    nodes: objects.nodes
      .map((n) => {
        const name = n.metadata?.name ?? '';
        const instanceId = instanceIdOf(n.spec?.providerID);
        const cordonedForScaleIn = n.spec?.unschedulable === true && n.metadata?.annotations?.[SCALE_IN_ANNOTATION] !== undefined;
        return { name, ...(instanceId ? { instanceId } : {}), busy: busy.has(name), cordonedForScaleIn };
      })
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

async function listAll<T>(custom: CustomObjectsApi, plural: string, namespace: string | undefined): Promise<T[]> {
  try {
    const out = (
      namespace === undefined
        ? await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural })
        : await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace })
    ) as { items?: T[] };
    return out.items ?? [];
  } catch (err) {
    // Without the CRD nothing can ask for capacity: no demand rather than no decision.
    if (isNotFound(err)) return [];
    throw classify(err, `Listing ${plural}`);
  }
}

/** Lists the objects the demand is counted from, as one snapshot (the CLI's view). */
async function listDemandObjects(kubeConfig: KubeConfig, options: ObserveOptions): Promise<DemandObjects> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const [campaigns, builds, nodes, pods] = await Promise.all([
    listAll<CampaignObject>(custom, SIMULATION_CAMPAIGN.plural, options.namespace),
    listAll<BuildObject>(custom, INET_BUILD.plural, options.namespace),
    core.listNode({ labelSelector: options.runnerNodeSelector }).catch((err: unknown) => {
      throw classify(err, 'Listing runner nodes');
    }),
    (options.namespace === undefined
      ? core.listPodForAllNamespaces({ fieldSelector: UNFINISHED_PODS })
      : core.listNamespacedPod({ namespace: options.namespace, fieldSelector: UNFINISHED_PODS })
    ).catch((err: unknown) => {
      throw classify(err, 'Listing pods');
    }),
  ]);
  return { campaigns, builds, nodes: nodes.items, pods: pods.items };
}

/** A demand observer over lists of the Kubernetes API: a consistent snapshot per call, no watch to keep. */
export function kubernetesDemandObserver(kubeConfig: KubeConfig, options: ObserveOptions): () => Promise<ObservedDemand> {
  return async () => demandOf(await listDemandObjects(kubeConfig, options), options);
}
