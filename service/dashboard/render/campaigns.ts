// The campaign list: every campaign the caller may read (in the core's
// order), with phase, progress bar, counts, ETA and failures.
import type { CampaignList } from '../../../api/results.ts';
import { formatCount, formatEta } from './format.ts';
import { html, type Markup } from './html.ts';
import { page } from './layout.ts';
import { campaignUrl } from './links.ts';
import { phaseText, progressBar } from './summary.ts';

export function campaignsPage(base: string, list: CampaignList, now: Date): Markup {
  const rows = list.items.map((c) => {
    const url = campaignUrl(base, c.namespace, c.name);
    const failed = c.runs.failed > 0 ? html`<a class="failed" href="${url}#failures">${formatCount(c.runs.failed)}</a>` : '0';
    return html`<tr data-campaign="${c.namespace}/${c.name}"><th scope="row"><a href="${url}">${c.name}</a></th><td>${c.namespace}</td><td data-field="phase">${phaseText(c)}</td><td data-field="progress">${progressBar(c)}</td><td class="num">${formatCount(c.runs.succeeded)}</td><td class="num" data-field="failed">${failed}</td><td class="num">${formatCount(c.runs.running)}</td><td class="num">${formatCount(c.runs.pending)}</td><td>${formatEta(c.eta, now)}</td></tr>`;
  });
  const body =
    rows.length === 0
      ? html`<h1>Campaigns</h1><p>No campaign that you may read.</p>`
      : html`<h1>Campaigns</h1><table><caption>Campaigns you may read (${formatCount(rows.length)})</caption><thead><tr><th scope="col">Campaign</th><th scope="col">Namespace</th><th scope="col">Phase</th><th scope="col">Progress</th><th scope="col" class="num">Succeeded</th><th scope="col" class="num">Failed</th><th scope="col" class="num">Running</th><th scope="col" class="num">Pending</th><th scope="col">Expected finish</th></tr></thead><tbody>${rows}</tbody></table>`;
  return page({ base, title: 'Campaigns', body });
}
