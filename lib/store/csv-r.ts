// The scalar export in the layout of `opp_scavetool export -F CSV-R`: its
// columns, row types, number formatting and quoting, checked row by row
// against the tool's own output (test/fixtures/opp_scavetool/). Pure: the
// records come in (parsed from a .sca, or read back from the store), CSV text
// goes out; scalars-export.ts streams them from the store.
//
// The tool writes every run's header rows first (runattr sorted by name,
// itervar sorted by name, config in file order), then all scalars, each
// followed by its attr rows, then param rows, then statistics and histograms
// with their attr rows. `param` rows are not written here: the store does not
// keep `par` lines (INET records thousands per run), see scalars.ts.
import type { ScaRun, ScaStatistic } from './sca.ts';

/**
 * Name/value pairs in a fixed order, flat: `[name0, value0, name1, value1, ...]`.
 * An array rather than an object, because config keys hold dots (`**.x`)
 * and repeat; flat, because the MongoDB-wire test server (FerretDB) stores no
 * nested arrays.
 */
export type Pairs = string[];

/** The pairs of a flat list, in order. */
export function eachPair(pairs: Pairs): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) out.push([pairs[i]!, pairs[i + 1]!]);
  return out;
}

/** What a run's header rows need: its OMNeT++ run id, attributes, iteration variables and config lines. */
export interface RunHeader {
  runId: string;
  attrs: Pairs;
  itervars: Pairs;
  /** In file order, repeated keys kept (a section and the one it extends may both set a key). */
  config: Pairs;
}

export interface ScalarRecord {
  module: string;
  name: string;
  value: number;
  attrs?: Pairs;
}

/**
 * A `statistic` of a .sca: its fields, its bins, its attributes. The file's
 * first bin line is the underflow bin (lower bound `-inf`): its count is kept
 * as `underflows` and its bound dropped, as the MongoDB-wire test server
 * cannot store an infinity.
 */
export interface StatisticRecord {
  module: string;
  name: string;
  fields: Record<string, number>;
  /** Lower bounds of the bins after the underflow bin (the last is the overflow bin's); absent without bins. */
  binLowers?: number[];
  /** The counts of those bins. */
  binCounts?: number[];
  /** The count of the `-inf` bin, when the file has one. */
  underflows?: number;
  attrs?: Pairs;
}

export const CSV_R_COLUMNS = [
  'run', 'type', 'module', 'name', 'attrname', 'attrvalue', 'value', 'count', 'sumweights',
  'mean', 'stddev', 'min', 'max', 'underflows', 'overflows', 'binedges', 'binvalues',
] as const;

/** The entries of a record sorted by name in code-unit order (as the tool's maps keep them), flat. */
export function sortedPairs(record: Record<string, string>): Pairs {
  return Object.entries(record)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .flat();
}

export function runHeaderOf(run: ScaRun): RunHeader {
  return { runId: run.runId, attrs: sortedPairs(run.attrs), itervars: sortedPairs(run.itervars), config: run.config.flat() };
}

export function statisticRecordOf(st: ScaStatistic): StatisticRecord {
  const under = st.bins[0]?.[0] === -Infinity ? st.bins[0] : undefined;
  const rest = under ? st.bins.slice(1) : st.bins;
  const bins = st.bins.length > 0 ? { binLowers: rest.map((b) => b[0]), binCounts: rest.map((b) => b[1]), ...(under ? { underflows: under[1] } : {}) } : {};
  return { module: st.module, name: st.name, fields: { ...st.fields }, ...bins, ...attrsOf(st.attrs) };
}

/** `{ attrs }` with the attributes sorted, or nothing when there are none: stored documents stay small. */
export function attrsOf(attrs: Record<string, string>): { attrs?: Pairs } {
  const pairs = sortedPairs(attrs);
  return pairs.length > 0 ? { attrs: pairs } : {};
}

/** The first `keep` significant digits of |x| and its decimal exponent, rounded as C's printf rounds. */
function roundDigits(x: number, keep: number): { digits: string; exp: number } {
  const [mantissa, e] = Math.abs(x).toExponential(keep - 1).split('e') as [string, string];
  // toExponential rounds an exact tie away from zero; printf rounds it to the even digit.
  const [exactMantissa, exactExp] = Math.abs(x).toExponential(99).split('e') as [string, string];
  const exact = exactMantissa.replace('.', '');
  if (/^50*$/.test(exact.slice(keep)) && Number(exact[keep - 1]) % 2 === 0) return { digits: exact.slice(0, keep), exp: Number(exactExp) };
  return { digits: mantissa.replace('.', ''), exp: Number(e) };
}

/** A number as C's `%.14g` writes it (`0.1`, `1e-06`, `inf`, `nan`): the precision the tool exports with. */
export function formatNumber(x: number, precision = 14): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const sign = x < 0 ? '-' : '';
  const { digits, exp } = roundDigits(x, precision);
  if (exp < -4 || exp >= precision) {
    const mantissa = `${digits[0]}.${digits.slice(1)}`.replace(/\.?0+$/, '');
    return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const whole = exp >= 0 ? digits.slice(0, exp + 1) : '0';
  const fraction = exp >= 0 ? digits.slice(exp + 1) : '0'.repeat(-exp - 1) + digits;
  const trimmed = fraction.replace(/0+$/, '');
  return `${sign}${whole}${trimmed ? `.${trimmed}` : ''}`;
}

/** One CSV field: quoted when it holds a comma, a quote or a line break, as the tool quotes. */
export function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Which column groups an export has. The tool writes only the columns its
 * rows use: `value` when it has scalars, the summary columns (count ... max)
 * when it has statistics or histograms, the bin columns when it has
 * histograms; a scalars-only export has seven columns.
 */
export interface CsvRLayout {
  value: boolean;
  statistics: boolean;
  histograms: boolean;
}

export const FULL_LAYOUT: CsvRLayout = { value: true, statistics: true, histograms: true };

/** The indexes (into CSV_R_COLUMNS) of the columns a layout writes. */
function columnIndexes(layout: CsvRLayout): number[] {
  const on = (i: number): boolean => i < 6 || (i === 6 ? layout.value : i < 13 ? layout.statistics || layout.histograms : layout.histograms);
  return CSV_R_COLUMNS.map((_, i) => i).filter(on);
}

/** The header line of the export. */
export function csvRHeader(layout: CsvRLayout = FULL_LAYOUT): string {
  return `${columnIndexes(layout).map((i) => CSV_R_COLUMNS[i]).join(',')}\n`;
}

/** Writes rows in one layout: the six naming columns, then those of the eleven value columns the layout has. */
export class CsvRWriter {
  private readonly indexes: number[];

  constructor(readonly layout: CsvRLayout = FULL_LAYOUT) {
    this.indexes = columnIndexes(layout);
  }

  /** One row; `values` are the value columns from `value` on, already formatted (vectors already quoted). */
  row(run: string, type: string, module: string, name: string, attrName: string, attrValue: string, values: string[] = []): string {
    const all = [...[run, type, module, name, attrName, attrValue].map(csvField), ...values];
    return `${this.indexes.map((i) => all[i] ?? '').join(',')}\n`;
  }
}

const fullWriter = new CsvRWriter();

function attrRows(w: CsvRWriter, runId: string, module: string, name: string, attrs: Pairs | undefined): string {
  return eachPair(attrs ?? []).map(([k, v]) => w.row(runId, 'attr', module, name, k, v)).join('');
}

/** A run's header rows: runattr, itervar, config. */
export function runHeaderRows(h: RunHeader, w = fullWriter): string {
  const part = (type: string, pairs: Pairs): string => eachPair(pairs).map(([k, v]) => w.row(h.runId, type, '', '', k, v)).join('');
  return part('runattr', h.attrs) + part('itervar', h.itervars) + part('config', h.config);
}

/** A scalar row and its attr rows. */
export function scalarRowsCsv(runId: string, s: ScalarRecord, w = fullWriter): string {
  return w.row(runId, 'scalar', s.module, s.name, '', '', [formatNumber(s.value)]) + attrRows(w, runId, s.module, s.name, s.attrs);
}

/** A statistic with bins: the tool writes it as a `histogram` row. */
export function isHistogram(st: Pick<StatisticRecord, 'binLowers'>): boolean {
  return (st.binLowers?.length ?? 0) > 0;
}

/** A statistic (or, with bins, a histogram) row and its attr rows. */
export function statisticRowsCsv(runId: string, st: StatisticRecord, w = fullWriter): string {
  const sum = statisticSummary(st.fields);
  const values = [sum.count, sum.sumweights, sum.mean, sum.stddev, sum.min, sum.max].map((x) => formatNumber(x));
  const lowers = st.binLowers ?? [];
  const attrs = attrRows(w, runId, st.module, st.name, st.attrs);
  if (!isHistogram(st)) return w.row(runId, 'statistic', st.module, st.name, '', '', ['', ...values]) + attrs;
  const counts = st.binCounts ?? [];
  // The tool's edges are all the lower bounds and the overflow bin's; its values the counts of the bins in between.
  const vector = (xs: number[]): string => `"${xs.map((x) => formatNumber(x)).join(' ')}"`;
  const histogram = ['', ...values, formatNumber(st.underflows ?? 0), formatNumber(counts.at(-1) ?? 0), vector(lowers), vector(counts.slice(0, -1))];
  return w.row(runId, 'histogram', st.module, st.name, '', '', histogram) + attrs;
}

/**
 * The summary columns of a statistic. The tool recomputes mean and standard
 * deviation from the sums when the file has them (so the last digits of
 * `stddev` can differ from the `field stddev` line); the fields' names are
 * matched without regard to case.
 */
export function statisticSummary(fields: Record<string, number>): { count: number; sumweights: number; mean: number; stddev: number; min: number; max: number } {
  const f = new Map(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v]));
  const get = (k: string): number => f.get(k) ?? NaN;
  const count = get('count');
  const base = { count, min: get('min'), max: get('max') };
  if (f.has('weightedsum') && f.has('sumweights')) {
    const w = get('sumweights');
    const mean = get('weightedsum') / w;
    const w2 = get('sqrsumweights');
    const variance = ((get('weightedsqrsum') / w - mean * mean) * w * w) / (w * w - w2);
    return { ...base, sumweights: w, mean, stddev: Number.isNaN(variance) ? get('stddev') : Math.sqrt(Math.max(0, variance)) };
  }
  if (!f.has('sum') || !f.has('sqrsum')) return { ...base, sumweights: count, mean: get('mean'), stddev: get('stddev') };
  const sum = get('sum');
  const mean = count === 0 ? NaN : sum / count;
  const variance = count <= 1 ? NaN : (get('sqrsum') - (sum * sum) / count) / (count - 1);
  return { ...base, sumweights: count, mean, stddev: Number.isNaN(variance) ? NaN : Math.sqrt(Math.max(0, variance)) };
}
