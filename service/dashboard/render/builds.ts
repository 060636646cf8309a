// The builds the caller may read, and one build's page with the tail of its
// log.
import type { BuildList, BuildSummary } from '../../../api/results.ts';
import { formatCount, formatTime } from './format.ts';
import { html, type Markup } from './html.ts';
import { page } from './layout.ts';
import { buildUrl } from './links.ts';

export function buildsPage(base: string, list: BuildList): Markup {
  const rows = list.items.map(
    (b) =>
      html`<tr><th scope="row"><a href="${buildUrl(base, b.namespace, b.name)}">${b.name}</a></th><td>${b.namespace}</td><td class="status-${(b.phase ?? '').toLowerCase()}">${b.phase ?? ''}</td><td>${b.repository ?? ''}</td><td><code>${b.revision?.slice(0, 12) ?? ''}</code></td><td>${formatTime(b.startedAt)}</td><td>${formatTime(b.finishedAt)}</td></tr>`,
  );
  const body =
    rows.length === 0
      ? html`<h1>Builds</h1><p>No build that you may read.</p>`
      : html`<h1>Builds</h1><table><caption>Builds you may read (${formatCount(rows.length)})</caption><thead><tr><th scope="col">Build</th><th scope="col">Namespace</th><th scope="col">Phase</th><th scope="col">Repository</th><th scope="col">Revision</th><th scope="col">Started</th><th scope="col">Finished</th></tr></thead><tbody>${rows}</tbody></table>`;
  return page({ base, title: 'Builds', body });
}

export function buildPage(base: string, build: BuildSummary): Markup {
  const items: Array<[string, string | undefined]> = [
    ['Phase', build.phase],
    ['Repository', build.repository],
    ['Revision', build.revision],
    ['Started', build.startedAt && formatTime(build.startedAt)],
    ['Finished', build.finishedAt && formatTime(build.finishedAt)],
    ['Message', build.message],
  ];
  const facts = html`<dl class="facts">${items.filter(([, v]) => v).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
  const log = build.logTail ? html`<h2 id="log-tail">Log (last lines)</h2><pre tabindex="0" aria-labelledby="log-tail">${build.logTail}</pre>` : html`<p>No log stored.</p>`;
  return page({ base, title: `Build ${build.namespace}/${build.name}`, body: html`<h1>Build ${build.namespace}/${build.name}</h1>${facts}${log}` });
}
