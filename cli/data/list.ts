// What `list` shows of each campaign: one row of plain values, oldest first.
// Pure; output/list.ts lays the rows out as a table.
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { formatAge } from '../output/format.ts';

/** A row of `list` (also its --json output, so the age stays text as the table shows it). */
export interface CampaignRow {
  namespace: string;
  name: string;
  phase: string;
  done: string;
  failed: number;
  build: string;
  age: string;
}

/** Creation time in ms (the API sends a string, the client's type says Date). */
export function createdMs(c: SimulationCampaign): number {
  const t = c.metadata.creationTimestamp;
  return t ? new Date(t as unknown as string).getTime() : Number.NaN;
}

export function campaignRow(c: SimulationCampaign, now: Date): CampaignRow {
  const runs = c.status?.runs ?? {};
  return {
    namespace: c.metadata.namespace ?? '',
    name: c.metadata.name ?? '',
    phase: c.status?.phase ?? 'Pending',
    done: `${(runs.succeeded ?? 0) + (runs.failed ?? 0)}/${runs.total ?? '?'}`,
    failed: runs.failed ?? 0,
    build: c.spec.buildRef.name,
    age: formatAge(now.getTime() - createdMs(c)),
  };
}

/** The rows of `list`: oldest first, campaigns of the same second by name. */
export function campaignRows(items: readonly SimulationCampaign[], now: Date): CampaignRow[] {
  return [...items]
    .sort((a, b) => createdMs(a) - createdMs(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))
    .map((c) => campaignRow(c, now));
}
