// Failed runs grouped by their error line with its numbers masked (the
// pattern), most frequent first: one row per pattern, with its first run's line, with the first runs of each linked to their pages. Also the
// `failures` fragment of the live script.
import type { FailureList } from '../../../api/results.ts';
import { formatCount } from './format.ts';
import { html, join, type Markup } from './html.ts';
import { campaignUrl, runUrl } from './links.ts';

export interface FailuresView {
  base: string;
  namespace: string;
  name: string;
  failures: FailureList;
}

export function failuresTable(view: FailuresView): Markup {
  const { base, namespace, name } = view;
  const groups = [...view.failures.items].sort((a, b) => b.count - a.count || a.pattern.localeCompare(b.pattern));
  const heading = html`<h2 id="failures-heading">Failures</h2>`;
  if (groups.length === 0) return html`${heading}<p>No run has failed.</p>`;
  const total = groups.reduce((sum, g) => sum + g.count, 0);
  const rows = groups.map((g) => {
    const runs = join(g.runs.map((r) => html`<a href="${runUrl(base, namespace, name, r)}">${r}</a>`), ', ');
    const more = g.count > g.runs.length ? html`, … (${formatCount(g.count - g.runs.length)} more)` : '';
    return html`<tr><td class="error-line">${g.errorLine}${g.pattern !== g.errorLine ? html`<br><small>all runs: ${g.pattern}</small>` : ''}</td><td class="num">${formatCount(g.count)}</td><td>${runs}${more}</td></tr>`;
  });
  return html`${heading}<p>${formatCount(total)} failed runs with ${formatCount(groups.length)} distinct error lines. <a href="${campaignUrl(base, namespace, name, { status: 'failed' })}#runs">Show the failed runs</a></p><table><caption>Failed runs grouped by error line</caption><thead><tr><th scope="col">Error line</th><th scope="col" class="num">Runs</th><th scope="col">First runs</th></tr></thead><tbody>${rows}</tbody></table>`;
}
