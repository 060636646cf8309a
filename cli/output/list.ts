// The text of `list`: the rows as a kubectl-style table, or a sentence when
// there is none. Pure.
import type { CampaignRow } from '../data/list.ts';
import { formatTable } from './format.ts';

/** The `list` table; a NAMESPACE column with `allNamespaces`. */
export function formatCampaignList(rows: readonly CampaignRow[], allNamespaces: boolean): string {
  if (rows.length === 0) return `No campaigns${allNamespaces ? '' : ' in this namespace'}.\n`;
  const header = [...(allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'PHASE', 'DONE', 'FAILED', 'BUILD', 'AGE'];
  const cells = rows.map((r) => [...(allNamespaces ? [r.namespace] : []), r.name, r.phase, r.done, String(r.failed), r.build, r.age]);
  return formatTable(header, cells);
}
