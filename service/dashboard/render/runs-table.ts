// The runs table of a campaign page: a status filter (a GET form), paging by
// key (first / previous / next / last as plain links carrying `after` or
// `before` a run number, so the last page of a million runs costs what the
// first does) and one row per run. Also served alone as the `runs` fragment
// the live script swaps in.
import type { RunPage, RunRow } from '../../../api/results.ts';
import { formatCount, formatDuration } from './format.ts';
import { html, type Markup } from './html.ts';
import { campaignUrl, runUrl, type Query } from './links.ts';

export const RUN_STATUSES = ['pending', 'running', 'succeeded', 'failed'] as const;

export interface RunsView {
  base: string;
  namespace: string;
  name: string;
  page: RunPage;
  status?: string;
  /** The campaign's total runs, when known: the last page is the one `before` it. */
  total?: number;
  /** Query fields other parts of the page own (the plot's choice), kept by every link and form here. */
  keep: Query;
}

function statusForm(view: RunsView, action: string): Markup {
  const options = ['', ...RUN_STATUSES].map(
    (s) => html`<option value="${s}"${s === (view.status ?? '') ? html` selected` : ''}>${s === '' ? 'all' : s}</option>`,
  );
  const hidden = Object.entries(view.keep).map(([k, v]) => (v !== undefined && v !== '' ? html`<input type="hidden" name="${k}" value="${v}">` : ''));
  return html`<form method="get" action="${action}#runs" aria-label="Filter runs">${hidden}<label for="runs-status">Status<select id="runs-status" name="status">${options}</select></label><button type="submit">Filter</button></form>`;
}

function pageLinks(view: RunsView): Markup {
  const url = (q: Query) => `${campaignUrl(view.base, view.namespace, view.name, { ...view.keep, status: view.status, ...q })}#runs`;
  const link = (text: string, rel: string, q: Query | undefined) =>
    q ? html`<a href="${url(q)}" rel="${rel}" data-page="${rel}">${text}</a>` : html`<span aria-disabled="true">${text}</span>`;
  const { next, prev } = view.page;
  return html`<nav class="pages" aria-label="Pages of runs">${link('First', 'first', prev !== undefined ? {} : undefined)}${link('Previous', 'prev', prev !== undefined ? { before: prev } : undefined)}${link('Next', 'next', next !== undefined ? { after: next } : undefined)}${link('Last', 'last', next !== undefined && view.total !== undefined ? { before: view.total } : undefined)}</nav>`;
}

function row(view: RunsView, r: RunRow): Markup {
  return html`<tr data-run="${r.run}"><th scope="row" class="num"><a href="${runUrl(view.base, view.namespace, view.name, r.run)}">${r.run}</a></th><td class="status-${r.status}">${r.status}</td><td class="num">${r.attempts}</td><td class="num">${r.elapsedMs !== undefined ? formatDuration(r.elapsedMs) : ''}</td><td>${r.runnerPod ?? ''}</td><td class="error-line">${r.errorLine ?? ''}</td></tr>`;
}

function caption(view: RunsView): string {
  const items = view.page.items;
  const which = view.status ? `${view.status} runs` : 'Runs';
  if (items.length === 0) return `${which}: none`;
  const range = `${items[0]!.run}–${items[items.length - 1]!.run}`;
  return `${which} ${range}${view.total !== undefined ? ` of ${formatCount(view.total)}` : ''}`;
}

/** The section's content: form, paging links, table. */
export function runsTable(view: RunsView): Markup {
  const action = campaignUrl(view.base, view.namespace, view.name);
  const rows = view.page.items.map((r) => row(view, r));
  const empty = rows.length === 0 ? html`<tr><td colspan="6">No runs${view.status ? html` with status ${view.status}` : ''} here.</td></tr>` : '';
  return html`<h2 id="runs-heading">Runs</h2>${statusForm(view, action)}${pageLinks(view)}<table aria-describedby="runs-heading"><caption>${caption(view)}</caption><thead><tr><th scope="col" class="num">Run</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col" class="num">Elapsed</th><th scope="col">Runner pod</th><th scope="col">Error line</th></tr></thead><tbody>${rows}${empty}</tbody></table>${pageLinks(view)}`;
}
