// Names the operator stamps on what it creates, and by which it finds them
// again: labels, the finalizer and the field manager of its writes. The chart
// and NetworkPolicies select by the same labels.

export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'inet-swarm-operator';
/** The field manager of every write the operator makes (server-side apply). */
export const FIELD_MANAGER = MANAGED_BY;
/** Label on a builder Job and its pod naming their InetBuild. */
export const BUILD_LABEL = 'inetswarm.dev/build';
/** Label on the runner Job and its pods naming their campaign. */
export const CAMPAIGN_LABEL = 'inetswarm.dev/campaign';
/** On a rerun campaign: the uids of the campaigns whose results it completes, oldest first, comma-separated. */
export const MERGE_ANNOTATION = 'inetswarm.dev/merge-results-of';
/**
 * On a Namespace the operator serves (builds or campaigns run there): the chart's NATS and MongoDB policies admit
 * pods of such namespaces only. Set by the operator on the cluster-scoped Namespace, which tenants cannot edit.
 */
export const TENANT_LABEL = 'inetswarm.dev/tenant';
/**
 * On a campaign being deleted: "true" makes the operator's finalizer delete its stored results too (set by
 * `inet-swarm delete --results` and by spec.results.ttlAfterFinished). The user needs only the right to patch
 * and delete the campaign; the store's credentials stay with the operator.
 */
export const DELETE_RESULTS_ANNOTATION = 'inetswarm.dev/delete-results';
/** Removes the campaign's queue state before the campaign goes away. */
export const CAMPAIGN_FINALIZER = 'inetswarm.dev/queue-cleanup';

/** Labels of an object the operator manages, as one component of the product. */
export function managedLabels(component: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY, [COMPONENT_LABEL]: component };
}
