// The service's reads of the cluster with its own identity (get, list and
// watch of the two custom resources, nothing else): what a caller may see of
// them is decided before, by auth/access.ts.
import { Watch, type CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, INET_BUILD, SIMULATION_CAMPAIGN, VERSION, type InetBuild, type SimulationCampaign } from '../../api/v1alpha1.ts';

type Kind = typeof SIMULATION_CAMPAIGN | typeof INET_BUILD;

async function list<T>(custom: CustomObjectsApi, kind: Kind, namespace: string | undefined): Promise<T[]> {
  const result = (
    namespace === undefined
      ? await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: kind.plural })
      : await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: kind.plural, namespace })
  ) as { items?: T[] };
  return result.items ?? [];
}

async function get<T>(custom: CustomObjectsApi, kind: Kind, namespace: string, name: string): Promise<T | undefined> {
  try {
    return (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: kind.plural, namespace, name })) as T;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

export const listCampaigns = (custom: CustomObjectsApi, namespace?: string): Promise<SimulationCampaign[]> =>
  list<SimulationCampaign>(custom, SIMULATION_CAMPAIGN, namespace);
export const getCampaign = (custom: CustomObjectsApi, namespace: string, name: string): Promise<SimulationCampaign | undefined> =>
  get<SimulationCampaign>(custom, SIMULATION_CAMPAIGN, namespace, name);
export const listBuilds = (custom: CustomObjectsApi, namespace?: string): Promise<InetBuild[]> => list<InetBuild>(custom, INET_BUILD, namespace);
export const getBuild = (custom: CustomObjectsApi, namespace: string, name: string): Promise<InetBuild | undefined> =>
  get<InetBuild>(custom, INET_BUILD, namespace, name);

/**
 * Calls `onChange` with the campaign after every change the API server
 * reports, until `signal` aborts; `onGone` when it is deleted or the watch
 * ends (the caller decides whether to watch again).
 */
export async function watchCampaign(
  kc: KubeConfig,
  namespace: string,
  name: string,
  handlers: { onChange: (cr: SimulationCampaign) => void; onGone: (reason: string) => void },
  signal: AbortSignal,
): Promise<void> {
  const path = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${SIMULATION_CAMPAIGN.plural}`;
  const controller = await new Watch(kc).watch(
    path,
    { fieldSelector: `metadata.name=${name}` },
    (type: string, obj: SimulationCampaign) => {
      if (type === 'DELETED') handlers.onGone('deleted');
      else if (type === 'ADDED' || type === 'MODIFIED') handlers.onChange(obj);
    },
    (err: unknown) => handlers.onGone(err ? String((err as Error).message ?? err) : 'watch ended'),
  );
  if (signal.aborted) controller.abort();
  else signal.addEventListener('abort', () => controller.abort(), { once: true });
}
