// The group version's discovery document, as an aggregated API must serve it:
// the API server asks for it to mark the APIService available, and kubectl
// reads it. Pure.
import { BUILDS_RESOURCE, CAMPAIGNS_RESOURCE, RESULTS_GROUP, RESULTS_VERSION } from '../../api/results.ts';

// `proxy` holds the streams (http/routes.ts says why).
const SUBRESOURCES = ['runs', 'failures', 'throughput', 'scalarplot', 'proxy'] as const;

export function discoveryDocument(): Record<string, unknown> {
  const resource = (name: string, namespaced: boolean, verbs: string[]): Record<string, unknown> => ({ name, singularName: '', namespaced, kind: 'Results', verbs });
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${RESULTS_GROUP}/${RESULTS_VERSION}`,
    resources: [
      resource(CAMPAIGNS_RESOURCE, true, ['get', 'list']),
      ...SUBRESOURCES.map((sub) => resource(`${CAMPAIGNS_RESOURCE}/${sub}`, true, ['get'])),
      resource(BUILDS_RESOURCE, true, ['get', 'list']),
    ],
  };
}
