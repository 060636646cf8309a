// Conditions per the Kubernetes API conventions; pure, shared by the controllers.

import type { Condition } from '../../api/v1alpha1.ts';
import { isoSeconds } from '../time.ts';

export type { Condition };

/**
 * Returns `conditions` with `next` set: lastTransitionTime is kept from the
 * existing condition of that type unless its status flips.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: Omit<Condition, 'lastTransitionTime'>,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === next.type);
  const existing = index >= 0 ? list[index] : undefined;
  const lastTransitionTime =
    existing && existing.status === next.status ? existing.lastTransitionTime : isoSeconds(now);
  const condition: Condition = { ...next, lastTransitionTime };
  if (index >= 0) list[index] = condition;
  else list.push(condition);
  return list;
}
