// The runs-per-minute chart of a campaign: the store's per-minute counts as
// bars, drawn as ONE svg path however many minutes there are. A week-long
// campaign has ~10,000 minutes; past `maxBars` minutes they are merged into
// wider bars of their average rate, so the page stays small and paints fast.
import type { Throughput } from '../../../api/results.ts';
import { formatCount, formatTime } from './format.ts';
import { html, type Markup } from './html.ts';
import { AREA, frame, px, scale, ticks, xAxis, yAxis } from './svg.ts';

const MINUTE = 60_000;

export interface Bar {
  /** Start of the bar's first minute, ms since the epoch. */
  start: number;
  minutes: number;
  /** Average runs per minute over the bar's minutes. */
  rate: number;
}

/** The per-minute points as at most `maxBars` bars of equal width, minutes without runs counting as zero. */
export function bars(points: Throughput['points'], maxBars: number): Bar[] {
  const times = points.map((p) => ({ t: Math.floor(Date.parse(p.minute) / MINUTE) * MINUTE, runs: p.runs })).filter((p) => Number.isFinite(p.t));
  if (times.length === 0) return [];
  let first = Infinity;
  let last = -Infinity;
  for (const p of times) {
    if (p.t < first) first = p.t;
    if (p.t > last) last = p.t;
  }
  const span = (last - first) / MINUTE + 1;
  const width = Math.max(1, Math.ceil(span / maxBars));
  const count = Math.ceil(span / width);
  const sums = new Array<number>(count).fill(0);
  for (const p of times) sums[Math.floor((p.t - first) / MINUTE / width)]! += p.runs;
  return sums.map((sum, i) => ({ start: first + i * width * MINUTE, minutes: width, rate: sum / width }));
}

/** The chart as a figure with its caption: total, period, peak and mean rate, also said to screen readers. */
export function throughputChart(throughput: Throughput, maxBars = 360): Markup {
  const data = bars(throughput.points, maxBars);
  if (data.length === 0) return html`<p>No run has finished yet.</p>`;
  const total = throughput.points.reduce((sum, p) => sum + p.runs, 0);
  const peak = Math.max(...data.map((b) => b.rate));
  const minutes = data.length * data[0]!.minutes;
  const start = data[0]!.start;
  const end = start + minutes * MINUTE;
  const x = scale(start, end, AREA.left, AREA.right);
  const yTicks = ticks(0, peak, 4);
  const y = scale(0, Math.max(peak, yTicks[yTicks.length - 1] ?? 0), AREA.bottom, AREA.top);
  let d = '';
  for (const b of data) {
    if (b.rate === 0) continue;
    const x0 = x(b.start);
    const x1 = x(b.start + b.minutes * MINUTE);
    d += `M${px(x0)} ${AREA.bottom}V${px(y(b.rate))}H${px(Math.max(x1, x0 + 0.5))}V${AREA.bottom}`;
  }
  const summary = `${formatCount(total)} runs finished from ${formatTime(new Date(start).toISOString())} to ${formatTime(new Date(end).toISOString())}; peak ${peak.toFixed(1)} and mean ${(total / minutes).toFixed(1)} runs per minute${data[0]!.minutes > 1 ? ` (bars of ${data[0]!.minutes} minutes)` : ''}.`;
  const labels = [start, (start + end) / 2, end].map((t) => ({ at: x(t), text: formatTime(new Date(t).toISOString()).slice(5, 16) }));
  const content = html`${yAxis(yTicks, y)}<path d="${d}" fill="#0b4f8a"/>${xAxis(labels)}`;
  return html`<figure>${frame('throughput-chart', 'Runs finished per minute', summary, content, { x: 'time (UTC)', y: 'runs per minute' })}<figcaption>${summary}</figcaption></figure>`;
}
