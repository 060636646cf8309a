// The plot of one scalar against one iteration variable, one mark per run,
// with the GET form that chooses both (works without JavaScript) and the same
// points as a table for whoever cannot see the plot. An iteration variable
// whose values are all numbers gets a numeric axis; any other gets one
// position per distinct value, in natural order.
import type { ScalarPlot } from '../../../api/results.ts';
import type { PlotChoices } from '../data.ts';
import { formatCount } from './format.ts';
import { html, join, type Markup } from './html.ts';
import { AREA, frame, px, scale, shortNumber, ticks, xAxis, yAxis } from './svg.ts';

/** Up to this many runs each get their own circle (with a tooltip); more are drawn as one path of distinct positions. */
export const CIRCLE_LIMIT = 5000;
/** Rows of the plot's data table. */
export const TABLE_LIMIT = 1000;

/** The select value of a scalar: its module and name, split at the first `|` (module paths hold none). */
export function scalarKey(s: { module: string; name: string }): string {
  return `${s.module}|${s.name}`;
}

export function parseScalarKey(key: string): { module: string; name: string } | undefined {
  const at = key.indexOf('|');
  return at < 0 ? undefined : { module: key.slice(0, at), name: key.slice(at + 1) };
}

export interface PlotForm {
  action: string;
  choices: PlotChoices;
  scalar?: { module: string; name: string };
  itervar?: string;
  /** Query fields of the page to keep across the form's submit (the runs table's filter). */
  keep: Record<string, string | undefined>;
}

export function plotForm(form: PlotForm): Markup {
  const chosen = form.scalar ? scalarKey(form.scalar) : '';
  const scalars = form.choices.scalars.map((s) => {
    const key = scalarKey(s);
    return html`<option value="${key}"${key === chosen ? html` selected` : ''}>${s.module}.${s.name}</option>`;
  });
  const itervars = form.choices.itervars.map((v) => html`<option${v === form.itervar ? html` selected` : ''}>${v}</option>`);
  const hidden = Object.entries(form.keep).map(([k, v]) => (v ? html`<input type="hidden" name="${k}" value="${v}">` : ''));
  return html`<form method="get" action="${form.action}#plot" aria-label="Plot a scalar">${hidden}<label for="plot-scalar">Scalar<select id="plot-scalar" name="scalar">${scalars}</select></label><label for="plot-itervar">Iteration variable<select id="plot-itervar" name="itervar">${itervars}</select></label><button type="submit">Plot</button></form>`;
}

/** The x position of each point: numeric when every value is a number, else the rank of its distinct value. */
export function xPositions(xs: string[]): { numeric: boolean; at: (x: string) => number; min: number; max: number; categories: string[] } {
  const numeric = xs.length > 0 && xs.every((x) => x.trim() !== '' && Number.isFinite(Number(x)));
  if (numeric) {
    let min = Infinity;
    let max = -Infinity;
    for (const x of xs) {
      const v = Number(x);
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { numeric, at: Number, min, max, categories: [] };
  }
  const categories = [...new Set(xs)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const rank = new Map(categories.map((c, i) => [c, i]));
  return { numeric, at: (x) => rank.get(x) ?? 0, min: 0, max: Math.max(0, categories.length - 1), categories };
}

function xLabels(pos: ReturnType<typeof xPositions>, x: (v: number) => number): Array<{ at: number; text: string }> {
  if (pos.numeric) return ticks(pos.min, pos.max, 6).map((v) => ({ at: x(v), text: shortNumber(v) }));
  const every = Math.ceil(pos.categories.length / 12);
  return pos.categories.filter((_, i) => i % every === 0).map((c) => ({ at: x(pos.at(c)), text: c.length > 14 ? `${c.slice(0, 13)}…` : c }));
}

function marks(points: ScalarPlot['points'], x: (p: ScalarPlot['points'][number]) => number, y: (v: number) => number): Markup {
  if (points.length <= CIRCLE_LIMIT) {
    return join(points.map((p) => html`<circle class="point" data-run="${p.run}" cx="${px(x(p))}" cy="${px(y(p.value))}" r="3" fill="#0b4f8a"><title>run ${p.run}: ${p.x}, ${p.value}</title></circle>`));
  }
  // Marks that land on the same tenth of a unit are one mark to the eye: drawn once, which keeps a 100,000-run plot small.
  const at = new Set(points.map((p) => `M${px(x(p))} ${px(y(p.value))}h0`));
  const d = [...at].join('');
  return html`<path d="${d}" stroke="#0b4f8a" stroke-width="5" stroke-linecap="round" fill="none"/>`;
}

/** The plot's figure and its data table, or a sentence when there is nothing to plot. */
export function scalarPlot(plot: ScalarPlot): Markup {
  const points = plot.points.filter((p) => Number.isFinite(p.value));
  const left = plot.points.length - points.length;
  const label = `${plot.module}.${plot.name}`;
  if (points.length === 0) return html`<p>No run has a finite value of ${label} yet.</p>`;
  const pos = xPositions(points.map((p) => p.x));
  const pad = pos.max === pos.min ? 1 : 0;
  const x = scale(pos.min - pad, pos.max + pad, AREA.left + 8, AREA.right - 8);
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    if (p.value < lo) lo = p.value;
    if (p.value > hi) hi = p.value;
  }
  const yTicks = ticks(lo, hi, 5);
  const y = scale(Math.min(lo, yTicks[0] ?? lo), Math.max(hi, yTicks[yTicks.length - 1] ?? hi), AREA.bottom - 6, AREA.top + 6);
  const summary = `${formatCount(points.length)} runs: ${label} from ${shortNumber(lo)} to ${shortNumber(hi)} against ${plot.itervar}${left > 0 ? `; ${formatCount(left)} runs without a finite value left out` : ''}.`;
  const content = html`${yAxis(yTicks, y)}${xAxis(xLabels(pos, x))}${marks(points, (p) => x(pos.at(p.x)), y)}`;
  const rows = points.slice(0, TABLE_LIMIT).map((p) => html`<tr><td class="num">${p.run}</td><td>${p.x}</td><td class="num">${p.value}</td></tr>`);
  const more = points.length > TABLE_LIMIT ? html`<p class="muted">The first ${formatCount(TABLE_LIMIT)} of ${formatCount(points.length)} points.</p>` : '';
  return html`<figure>${frame('scalar-plot', `${label} against ${plot.itervar}`, summary, content, { x: plot.itervar, y: label })}<figcaption>${summary}</figcaption></figure>
<details><summary>The plotted values as a table</summary><table><caption>${label} by ${plot.itervar}</caption><thead><tr><th scope="col" class="num">Run</th><th scope="col">${plot.itervar}</th><th scope="col" class="num">Value</th></tr></thead><tbody>${rows}</tbody></table>${more}</details>`;
}
