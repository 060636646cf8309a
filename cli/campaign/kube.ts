// The CLI's access to the inet-swarm custom resources and the pods behind them,
// with the user's kubeconfig (as kubectl would: KUBECONFIG, --context, the
// context's namespace). The Kubernetes client is imported lazily so that
// `--local` and `--help` never pay for loading it.
import type { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import {
  GROUP,
  INET_BUILD,
  SIMULATION_CAMPAIGN,
  VERSION,
  type InetBuild,
  type SimulationCampaign,
} from '../../api/v1alpha1.ts';
import { DELETE_RESULTS_ANNOTATION } from '../../api/labels.ts';
import { isConflict, isNotFound } from '../../lib/kube/errors.ts';
import type { GlobalOptions } from '../context.ts';
import { CliError } from '../errors.ts';
import { connectCluster, loadKubeConfig } from '../kube/connect.ts';

/** A connected cluster and the namespace the command works in. */
export interface ClusterApi {
  kubeConfig: KubeConfig;
  context: string;
  namespace: string;
  custom: CustomObjectsApi;
  core: CoreV1Api;
}

/** Connects like `connectCluster` (same errors and messages) and builds the API clients. */
export async function openCluster(env: NodeJS.ProcessEnv, globals: Pick<GlobalOptions, 'context' | 'namespace'>): Promise<ClusterApi> {
  const target = await connectCluster({ env, context: globals.context, namespace: globals.namespace });
  const k8s = await import('@kubernetes/client-node');
  const kubeConfig = await loadKubeConfig(env, target.context);
  // connectCluster has just read it; only a kubeconfig removed in between gets here.
  if (!kubeConfig) throw new CliError('The kubeconfig disappeared while connecting; run the command again.');
  return {
    kubeConfig,
    context: target.context,
    namespace: target.namespace,
    custom: kubeConfig.makeApiClient(k8s.CustomObjectsApi),
    core: kubeConfig.makeApiClient(k8s.CoreV1Api),
  };
}

const campaigns = { group: GROUP, version: VERSION, plural: SIMULATION_CAMPAIGN.plural } as const;
const builds = { group: GROUP, version: VERSION, plural: INET_BUILD.plural } as const;

/** One of our custom resources, or undefined when it does not exist. */
async function findResource<T>(api: ClusterApi, kind: { kind: string; ref: typeof campaigns | typeof builds }, name: string, namespace: string): Promise<T | undefined> {
  try {
    return (await api.custom.getNamespacedCustomObject({ ...kind.ref, namespace, name })) as T;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw apiError(err, `reading ${kind.kind} ${namespace}/${name}`);
  }
}

/** The campaign, or undefined when it does not exist. */
export function findCampaign(api: ClusterApi, name: string, namespace = api.namespace): Promise<SimulationCampaign | undefined> {
  return findResource(api, { kind: SIMULATION_CAMPAIGN.kind, ref: campaigns }, name, namespace);
}

/** The campaign; a CliError naming `list` when it does not exist. */
export async function getCampaign(api: ClusterApi, name: string): Promise<SimulationCampaign> {
  const campaign = await findCampaign(api, name);
  if (!campaign) {
    throw new CliError(`No campaign '${name}' in namespace ${api.namespace}. See the campaigns with: inet-swarm list -n ${api.namespace}`);
  }
  return campaign;
}

/** Campaigns of the namespace, or of every namespace with `all`. */
export async function listCampaigns(api: ClusterApi, all: boolean): Promise<SimulationCampaign[]> {
  try {
    const list = (all
      ? await api.custom.listClusterCustomObject({ ...campaigns })
      : await api.custom.listNamespacedCustomObject({ ...campaigns, namespace: api.namespace })) as { items: SimulationCampaign[] };
    return list.items;
  } catch (err) {
    throw apiError(err, 'listing SimulationCampaigns');
  }
}

export async function createCampaign(api: ClusterApi, campaign: SimulationCampaign): Promise<SimulationCampaign> {
  const namespace = campaign.metadata.namespace ?? api.namespace;
  try {
    return (await api.custom.createNamespacedCustomObject({ ...campaigns, namespace, body: campaign })) as SimulationCampaign;
  } catch (err) {
    throw apiError(err, `creating SimulationCampaign ${namespace}/${campaign.metadata.name ?? ''}`);
  }
}

/** Deletes the campaign; false when it was already gone. */
export async function deleteCampaign(api: ClusterApi, name: string): Promise<boolean> {
  try {
    await api.custom.deleteNamespacedCustomObject({ ...campaigns, namespace: api.namespace, name });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw apiError(err, `deleting SimulationCampaign ${api.namespace}/${name}`);
  }
}

/**
 * Marks the campaign so that the operator's finalizer deletes its stored results when it goes; false when it
 * does not exist. The user's right to patch the campaign is all it takes: the store's credentials stay with
 * the operator.
 */
export async function markResultsForDeletion(api: ClusterApi, name: string): Promise<boolean> {
  const k8s = await import('@kubernetes/client-node');
  try {
    await api.custom.patchNamespacedCustomObject(
      { ...campaigns, namespace: api.namespace, name, body: { metadata: { annotations: { [DELETE_RESULTS_ANNOTATION]: 'true' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw apiError(err, `marking the results of SimulationCampaign ${api.namespace}/${name} for deletion`);
  }
}

export function findBuild(api: ClusterApi, name: string, namespace = api.namespace): Promise<InetBuild | undefined> {
  return findResource(api, { kind: INET_BUILD.kind, ref: builds }, name, namespace);
}

/** Creates the build unless one of that name exists (the name is a hash of its inputs); returns it and whether it was new. */
export async function ensureBuild(api: ClusterApi, build: InetBuild): Promise<{ build: InetBuild; created: boolean }> {
  const namespace = build.metadata.namespace ?? api.namespace;
  const existing = await findBuild(api, build.metadata.name ?? '', namespace);
  if (existing) return { build: existing, created: false };
  try {
    return { build: (await api.custom.createNamespacedCustomObject({ ...builds, namespace, body: build })) as InetBuild, created: true };
  } catch (err) {
    // Another `run` of the same commit created it meanwhile: reuse theirs.
    if (isConflict(err)) {
      const raced = await findBuild(api, build.metadata.name ?? '', namespace);
      if (raced) return { build: raced, created: false };
    }
    throw apiError(err, `creating InetBuild ${namespace}/${build.metadata.name ?? ''}`);
  }
}

/** The log of the build's newest builder pod (of its Job), or undefined when no pod has one (pod gone, node without a kubelet). */
export async function builderPodLog(api: ClusterApi, buildName: string): Promise<{ source: string; text: string } | undefined> {
  try {
    const pods = await api.core.listNamespacedPod({ namespace: api.namespace, labelSelector: `job-name=${buildName}-build` });
    const newest = pods.items.sort((a, b) => String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? '')))[0];
    if (!newest?.metadata?.name) return undefined;
    const text = await api.core.readNamespacedPodLog({ name: newest.metadata.name, namespace: api.namespace, tailLines: 500 });
    return typeof text === 'string' && text !== '' ? { source: `pod ${newest.metadata.name}`, text } : undefined;
  } catch {
    return undefined;
  }
}

/** Turns an API failure into a message a user can act on (forbidden, missing CRDs, validation messages). */
export function apiError(err: unknown, doing: string): CliError {
  const e = err as { code?: number; statusCode?: number; body?: unknown; message?: string };
  const code = e.code ?? e.statusCode;
  let detail = e.message ?? String(err);
  const body = typeof e.body === 'string' ? safeJson(e.body) : e.body;
  if (body && typeof body === 'object' && 'message' in body && typeof (body as { message: unknown }).message === 'string') {
    detail = (body as { message: string }).message;
  }
  const hint =
    code === 403
      ? ' (your kubeconfig user lacks the permission: ask the cluster admin for the inet-swarm user role)'
      : code === 404
        ? ' (are the inet-swarm CRDs installed? helm install inet-swarm charts/inet-swarm)'
        : '';
  return new CliError(`Failed ${doing}: ${detail}${hint}`, { cause: err });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
