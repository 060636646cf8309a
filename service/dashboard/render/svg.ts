// What both server-rendered charts share: the frame's geometry, scales, tick
// values and number labels. Charts are plain inline SVG written here (a few
// paths, lines and text), so no chart library is needed and a page paints
// without running a script.
import { html, join, type Markup } from './html.ts';

export const WIDTH = 720;
export const HEIGHT = 260;
/** The plot area inside the frame, leaving room for the axes' labels. */
export const AREA = { left: 56, right: WIDTH - 16, top: 14, bottom: HEIGHT - 40 };

/** A linear map from [d0, d1] onto [r0, r1]; a zero-width domain maps to the middle. */
export function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
}

/** Rounded to one decimal place of SVG user units: enough for the eye, short in the page. */
export function px(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/** About `count` round tick values covering [min, max] (steps of 1, 2 or 5 times a power of ten). */
export function ticks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max === min) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** A number as a short axis label: `1.5k`, `2M`, `0.003`, `12.5`. */
export function shortNumber(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(4)));
}

/** The y axis: a gridline and a label at each tick. */
export function yAxis(values: number[], y: (v: number) => number): Markup {
  return join(
    values.map(
      (v) =>
        html`<line x1="${AREA.left}" x2="${AREA.right}" y1="${px(y(v))}" y2="${px(y(v))}" stroke="#d0d0d0"/><text x="${AREA.left - 6}" y="${px(y(v) + 4)}" text-anchor="end">${shortNumber(v)}</text>`,
    ),
  );
}

/** The x axis: its line and labels at given positions (the outermost ones anchored inside the frame). */
export function xAxis(labels: Array<{ at: number; text: string }>): Markup {
  const anchor = (at: number) => (at <= AREA.left + 20 ? 'start' : at >= AREA.right - 20 ? 'end' : 'middle');
  const items = labels.map((l) => html`<text x="${px(l.at)}" y="${AREA.bottom + 16}" text-anchor="${anchor(l.at)}">${l.text}</text>`);
  return html`<line x1="${AREA.left}" x2="${AREA.right}" y1="${AREA.bottom}" y2="${AREA.bottom}" stroke="#333"/>${items}`;
}

/** The svg element of a chart, an image to assistive technology, named by its title and described by `desc`. */
export function frame(id: string, title: string, desc: string, content: Markup, axisTitles: { x: string; y: string }): Markup {
  return html`<svg id="${id}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-labelledby="${id}-title ${id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">${title}</title><desc id="${id}-desc">${desc}</desc>${content}<text x="${(AREA.left + AREA.right) / 2}" y="${HEIGHT - 6}" text-anchor="middle">${axisTitles.x}</text><text x="12" y="${(AREA.top + AREA.bottom) / 2}" text-anchor="middle" transform="rotate(-90 12 ${(AREA.top + AREA.bottom) / 2})">${axisTitles.y}</text></svg>`;
}
