// The StoreFull condition of a campaign: True while the operator's write
// probe of the namespace's database says the store is full (runners then
// hand their tasks back after a long wait, their attempts not counted), False
// once it takes writes again. A campaign whose store was never full has no
// such condition. Pure.
import type { Condition, SimulationCampaignStatus } from '../../../api/v1alpha1.ts';
import { setCondition } from '../../../lib/kube/conditions.ts';
import type { UserEvent } from '../../../lib/kube/manifests.ts';
import { clip, type ConditionInput } from './outcome.ts';

export const STORE_FULL = 'StoreFull';

/** The condition to set, if any, and the Event of its turning True. `storeFull` is the probe's message, undefined when the store took the write. */
export function storeFullCondition(old: SimulationCampaignStatus, storeFull: string | undefined): { condition: ConditionInput | undefined; event: UserEvent | undefined } {
  const before = old.conditions?.find((c) => c.type === STORE_FULL);
  if (storeFull !== undefined) {
    const event = before?.status === 'True' ? undefined : ({ type: 'Warning', reason: STORE_FULL, message: storeFull } as const);
    return { condition: { type: STORE_FULL, status: 'True', reason: STORE_FULL, message: storeFull }, event };
  }
  if (!before) return { condition: undefined, event: undefined };
  return { condition: { type: STORE_FULL, status: 'False', reason: 'StoreWritable', message: 'The result store takes writes again' }, event: undefined };
}

/** The conditions with StoreFull set when the store is full or was. */
export function withStoreFull(conditions: Condition[], old: SimulationCampaignStatus, storeFull: string | undefined, generation: number | undefined, now: Date): Condition[] {
  const { condition } = storeFullCondition(old, storeFull);
  return condition ? setCondition(conditions, { ...condition, message: clip(condition.message), ...(generation !== undefined ? { observedGeneration: generation } : {}) }, now) : conditions;
}

/** The Warning Event of a store that just turned full. */
export function storeFullEvents(old: SimulationCampaignStatus, storeFull: string | undefined): UserEvent[] {
  const { event } = storeFullCondition(old, storeFull);
  return event ? [event] : [];
}
