// The campaign page: summary (phase, progress, counts, ETA), runs table,
// failures, runs-per-minute chart and the scalar plot. Each part is a section
// named by `data-fragment`, which the handler also serves alone
// (`?fragment=<name>`) for the live script to swap in; the page itself is
// complete without the script.
import type { CampaignSummary, FailureList, RunPage, ScalarPlot, Throughput } from '../../../api/results.ts';
import type { PlotChoices } from '../data.ts';
import { formatTime } from './format.ts';
import { failuresTable } from './failures.ts';
import { html, type Markup } from './html.ts';
import { page } from './layout.ts';
import { buildUrl, campaignUrl, eventsUrl } from './links.ts';
import { runsTable } from './runs-table.ts';
import { plotForm, scalarPlot } from './scalar-plot.ts';
import { countsKey, summaryBlock } from './summary.ts';
import { throughputChart } from './throughput-chart.ts';

export interface CampaignView {
  base: string;
  now: Date;
  campaign: CampaignSummary;
  runs: RunPage;
  status?: string;
  failures: FailureList;
  throughput: Throughput;
  choices: PlotChoices;
  /** The plot's choice (from the query, or the first scalar and itervar). */
  scalar?: { module: string; name: string };
  itervar?: string;
  plot?: ScalarPlot;
  /** Why there is no plot for the choice (a scalar the campaign does not have). */
  plotError?: string;
  /** The plot's choice as the page's query gave it, which the runs table's links and form keep. */
  requested: { scalar?: string; itervar?: string };
}

export type FragmentName = 'summary' | 'runs' | 'failures' | 'throughput' | 'plot';
export const FRAGMENTS: readonly FragmentName[] = ['summary', 'runs', 'failures', 'throughput', 'plot'];


function plotSection(view: CampaignView): Markup {
  const c = view.campaign;
  const heading = html`<h2 id="plot-heading">Scalar by iteration variable</h2>`;
  if (view.choices.scalars.length === 0 || view.choices.itervars.length === 0) {
    return html`${heading}<p>No scalars${view.choices.itervars.length === 0 ? ' or iteration variables' : ''} recorded yet.</p>`;
  }
  const form = plotForm({ action: campaignUrl(view.base, c.namespace, c.name), choices: view.choices, scalar: view.scalar, itervar: view.itervar, keep: { status: view.status } });
  const body = view.plotError ? html`<p role="alert">${view.plotError}</p>` : view.plot ? scalarPlot(view.plot) : '';
  return html`${heading}${form}${body}`;
}

/** One part of the page's content, as the page holds it and the fragment request returns it. */
export function campaignFragment(view: CampaignView, fragment: FragmentName): Markup {
  const { base, campaign: c } = view;
  switch (fragment) {
    case 'summary':
      return summaryBlock(c, view.now);
    case 'runs':
      return runsTable({ base, namespace: c.namespace, name: c.name, page: view.runs, status: view.status, total: c.runs.total, keep: view.requested });
    case 'failures':
      return failuresTable({ base, namespace: c.namespace, name: c.name, failures: view.failures });
    case 'throughput':
      return html`<h2 id="throughput-heading">Runs finished per minute</h2>${throughputChart(view.throughput)}`;
    case 'plot':
      return plotSection(view);
  }
}

export function campaignPage(view: CampaignView): Markup {
  const { base, campaign: c } = view;
  const facts = [
    c.build ? html`Build <a href="${buildUrl(base, c.namespace, c.build)}">${c.build}</a>` : '',
    c.config ? html`config ${c.config}` : '',
    c.created ? html`created ${formatTime(c.created)}` : '',
  ].filter((f) => f !== '');
  // data-refresh: the sections the live script re-fetches when the counts change (the plot keeps its form's state).
  const section = (name: FragmentName, refresh: boolean) =>
    html`<section id="${name}" data-fragment="${name}"${refresh ? html` data-refresh` : ''} aria-labelledby="${name}-heading">${campaignFragment(view, name)}</section>`;
  const body = html`<div id="campaign" data-events="${eventsUrl(base, c.namespace, c.name)}" data-counts="${countsKey(c)}">
<h1>Campaign ${c.namespace}/${c.name}</h1>${facts.length > 0 ? html`<p class="muted">${facts.map((f, i) => html`${i > 0 ? ' · ' : ''}${f}`)}</p>` : ''}
<section id="summary" data-fragment="summary" aria-label="Progress" aria-live="polite">${summaryBlock(c, view.now)}</section>
${section('runs', true)}
${section('failures', true)}
${section('throughput', true)}
${section('plot', false)}</div>`;
  return page({ base, title: `${c.namespace}/${c.name}`, body, live: !c.deleted });
}
