// A campaign's phase, progress bar, counts and ETA: a cell group of the
// campaign list and the head of the campaign page, which the live script
// replaces with the same markup from each server-sent event.
import type { CampaignSummary } from '../../../api/results.ts';
import { formatCount, formatEta, progressOf } from './format.ts';
import { html, type Markup } from './html.ts';

/** What changes when a campaign's numbers do: the live script re-fetches the tables when it does. */
export function countsKey(c: CampaignSummary): string {
  const r = c.runs;
  return [c.phase ?? 'deleted', r.total ?? '', r.succeeded, r.failed, r.running, r.pending].join('/');
}

export function phaseText(c: CampaignSummary): string {
  return c.deleted ? `${c.phase ?? 'Deleted'} (deleted; stored results only)` : (c.phase ?? 'Unknown');
}

/** The progress element with its text, which is also what shows where progress elements are not drawn. */
export function progressBar(c: CampaignSummary, labelledBy?: string): Markup {
  const p = progressOf(c.runs);
  const text = `${p.percent}% (${formatCount(p.done)} of ${formatCount(p.total)} runs done)`;
  const name = labelledBy ? html` aria-labelledby="${labelledBy}"` : html` aria-label="Progress of ${c.namespace}/${c.name}"`;
  return html`<progress max="${Math.max(p.total, 1)}" value="${p.done}"${name}>${text}</progress> <span class="progress-text">${text}</span>`;
}

export function countsText(c: CampaignSummary): string {
  const r = c.runs;
  return `${formatCount(r.succeeded)} succeeded, ${formatCount(r.failed)} failed, ${formatCount(r.running)} running, ${formatCount(r.pending)} pending`;
}

/** The campaign page's summary block (its content; the element with id `summary` wraps it). */
export function summaryBlock(c: CampaignSummary, now: Date): Markup {
  return html`<dl class="facts"><dt>Phase</dt><dd data-field="phase">${phaseText(c)}</dd><dt id="progress-label">Progress</dt><dd data-field="progress">${progressBar(c, 'progress-label')}</dd><dt>Runs</dt><dd data-field="counts">${countsText(c)}</dd><dt>Failures</dt><dd data-field="failed" class="${c.runs.failed > 0 ? 'failed' : ''}">${formatCount(c.runs.failed)}</dd><dt>Expected finish</dt><dd data-field="eta">${formatEta(c.eta, now)}</dd></dl>`;
}
