// What the campaign controller deletes of a campaign's results: on the way
// out of a campaign deleted with DELETE_RESULTS_ANNOTATION (its finalizer
// waits until nothing is left), and when its TTL after finishing has passed
// (an Event, the annotation, then the campaign's deletion, which comes back
// through the finalizer). The store is reached through the operator's own
// connection to the namespace's database only.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, SIMULATION_CAMPAIGN, VERSION, type SimulationCampaign } from '../../../api/v1alpha1.ts';
import { DELETE_RESULTS_ANNOTATION } from '../../../api/labels.ts';
import { TemporaryError } from '../../../lib/errors.ts';
import { classify, isNotFound } from '../../../lib/kube/errors.ts';
import type { UserEvent } from '../../../lib/kube/manifests.ts';
import { emitEvent } from '../../../lib/kube/resources.ts';
import { deleteCampaignResults } from '../../../lib/store/retention.ts';
import type { ActDeps } from './act.ts';
import type { ObservedCampaign } from './observe.ts';

/** Deletes one bounded batch of the campaign's stored results; true when nothing is left. */
export async function deleteStoredResults(observed: ObservedCampaign, deps: ActDeps): Promise<boolean> {
  const { key, uid, ref } = observed;
  try {
    const deleted = await deleteCampaignResults(deps.stores.db(ref.namespace), uid);
    deps.log.info({ campaign: key, uid, ...deleted }, deleted.done ? 'Deleted the stored results of the campaign' : 'Deleted a batch of the stored results of the campaign');
    return deleted.done;
  } catch (error) {
    throw new TemporaryError(`deleting the stored results of ${key}: ${(error as Error).message}`, { cause: error });
  }
}

/** Deletes an expired campaign with its results: the Event first (it outlives the campaign), then the annotation, then the campaign. */
export async function expireCampaign(campaign: SimulationCampaign, event: UserEvent, key: string, deps: ActDeps): Promise<void> {
  await emitEvent(deps.clients.core, SIMULATION_CAMPAIGN, campaign, event, deps);
  const target = { group: GROUP, version: VERSION, plural: SIMULATION_CAMPAIGN.plural, namespace: campaign.metadata.namespace ?? '', name: campaign.metadata.name ?? '' };
  try {
    await deps.clients.custom.patchNamespacedCustomObject(
      { ...target, body: { metadata: { annotations: { [DELETE_RESULTS_ANNOTATION]: 'true' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    // Only the campaign read: one recreated under the same name since has another uid and stays.
    await deps.clients.custom.deleteNamespacedCustomObject({ ...target, body: { preconditions: { uid: campaign.metadata.uid ?? '' } } });
  } catch (error) {
    if (isNotFound(error)) return;
    throw classify(error, `deleting the expired campaign ${key}`);
  }
  deps.log.info({ campaign: key, uid: campaign.metadata.uid }, 'Deleted expired campaign');
}
