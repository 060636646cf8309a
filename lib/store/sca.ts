// Parser of OMNeT++ scalar files (`.sca`): version 3 (OMNeT++ 6) and version 2
// (OMNeT++ 5, which has `param` lines instead of `config`). Pure and total: a
// malformed line is reported with its number and skipped, so one odd line
// never loses a run's other scalars.

export interface ScaScalar {
  module: string;
  name: string;
  value: number;
  attrs: Record<string, string>;
}

export interface ScaStatistic {
  module: string;
  name: string;
  /** `count`, `mean`, `stddev`, `min`, `max`, `sum`, `sqrsum`, ... */
  fields: Record<string, number>;
  /** Histogram bins as [lower bound, count]. */
  bins: Array<[number, number]>;
  attrs: Record<string, string>;
}

export interface ScaParameter {
  module: string;
  name: string;
  value: string;
}

export interface ScaRun {
  runId: string;
  attrs: Record<string, string>;
  itervars: Record<string, string>;
  /** `config` (v3) or `param` (v2) entries in file order: the effective ini settings. */
  config: Array<[string, string]>;
  /** `par` lines: recorded module parameters (v3). */
  params: ScaParameter[];
  scalars: ScaScalar[];
  statistics: ScaStatistic[];
}

export interface ScaProblem {
  line: number;
  message: string;
  text: string;
}

export interface ScaFile {
  version: number | undefined;
  runs: ScaRun[];
  problems: ScaProblem[];
}

/** Splits a line into whitespace-separated fields; `"..."` fields may contain spaces and backslash escapes. */
export function tokenize(line: string): string[] | string {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '"') {
      let value = '';
      i++;
      let closed = false;
      while (i < line.length) {
        const d = line[i]!;
        if (d === '\\') {
          const e = line[i + 1];
          if (e === undefined) return 'backslash at end of line';
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
          continue;
        }
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        value += d;
        i++;
      }
      if (!closed) return 'unterminated quoted field';
      out.push(value);
      continue;
    }
    let j = i;
    while (j < line.length && line[j] !== ' ' && line[j] !== '\t') j++;
    out.push(line.slice(i, j));
    i = j;
  }
  return out;
}

/** Parses a number the way OMNeT++ writes it, including `inf`, `-inf` and `nan`. */
export function parseScaNumber(text: string): number | undefined {
  const t = text.toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan' || t === '-nan') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return undefined;
  return Number(text);
}

/** What the parser carries from one line to the next. */
interface ParseState {
  file: ScaFile;
  run: ScaRun | undefined;
  /** `attr` lines belong to the most recent run header, scalar or statistic. */
  attrTarget: Record<string, string> | undefined;
  /** The statistic that `field` and `bin` lines add to. */
  statistic: ScaStatistic | undefined;
}

/** One tokenized line: its kind (the first field) and the fields after it. */
interface ScaLine {
  no: number;
  raw: string;
  kind: string;
  args: string[];
}

type LineHandler = (state: ParseState, line: ScaLine) => void;

function problem(state: ParseState, line: ScaLine, message: string): void {
  state.file.problems.push({ line: line.no, message, text: line.raw });
}

function hasArity(state: ParseState, line: ScaLine, n: number): boolean {
  if (line.args.length === n) return true;
  problem(state, line, `${line.kind} line needs ${n} fields, has ${line.args.length}`);
  return false;
}

function currentRun(state: ParseState, line: ScaLine): ScaRun | undefined {
  if (!state.run) problem(state, line, `${line.kind} line before any run line`);
  return state.run;
}

/** The run a line belongs to, when there is one and the line has `n` fields; reports both problems. */
function runWithArity(state: ParseState, line: ScaLine, n: number): ScaRun | undefined {
  const run = currentRun(state, line);
  return hasArity(state, line, n) ? run : undefined;
}

function onVersion(state: ParseState, line: ScaLine): void {
  if (!hasArity(state, line, 1)) return;
  const v = Number(line.args[0]);
  if (!Number.isInteger(v)) return problem(state, line, `bad version ${line.args[0]}`);
  if (v !== 2 && v !== 3) problem(state, line, `unsupported version ${v}; parsing as version 3`);
  state.file.version = v;
}

function onRun(state: ParseState, line: ScaLine): void {
  if (!hasArity(state, line, 1)) return;
  const run: ScaRun = { runId: line.args[0]!, attrs: {}, itervars: {}, config: [], params: [], scalars: [], statistics: [] };
  state.file.runs.push(run);
  state.run = run;
  state.attrTarget = run.attrs;
  state.statistic = undefined;
}

function onAttr(state: ParseState, line: ScaLine): void {
  if (!hasArity(state, line, 2) || !currentRun(state, line)) return;
  if (!state.attrTarget) return problem(state, line, 'attr line without a target');
  state.attrTarget[line.args[0]!] = line.args[1]!;
}

function onItervar(state: ParseState, line: ScaLine): void {
  const run = runWithArity(state, line, 2);
  if (run) run.itervars[line.args[0]!] = line.args[1]!;
}

/** `config` (v3) and `param` (v2) lines: the effective ini settings. */
function onConfig(state: ParseState, line: ScaLine): void {
  runWithArity(state, line, 2)?.config.push([line.args[0]!, line.args[1]!]);
}

function onPar(state: ParseState, line: ScaLine): void {
  const run = runWithArity(state, line, 3);
  if (!run) return;
  run.params.push({ module: line.args[0]!, name: line.args[1]!, value: line.args[2]! });
  // A parameter's attributes are not kept.
  state.attrTarget = {};
}

function onScalar(state: ParseState, line: ScaLine): void {
  const run = runWithArity(state, line, 3);
  if (!run) return;
  const value = parseScaNumber(line.args[2]!);
  if (value === undefined) return problem(state, line, `scalar value ${JSON.stringify(line.args[2])} is not a number`);
  const scalar: ScaScalar = { module: line.args[0]!, name: line.args[1]!, value, attrs: {} };
  run.scalars.push(scalar);
  state.attrTarget = scalar.attrs;
  state.statistic = undefined;
}

function onStatistic(state: ParseState, line: ScaLine): void {
  const run = runWithArity(state, line, 2);
  if (!run) return;
  const statistic: ScaStatistic = { module: line.args[0]!, name: line.args[1]!, fields: {}, bins: [], attrs: {} };
  run.statistics.push(statistic);
  state.statistic = statistic;
  state.attrTarget = statistic.attrs;
}

function onField(state: ParseState, line: ScaLine): void {
  if (!hasArity(state, line, 2)) return;
  if (!state.statistic) return problem(state, line, 'field line outside a statistic');
  const value = parseScaNumber(line.args[1]!);
  if (value === undefined) return problem(state, line, `field value ${JSON.stringify(line.args[1])} is not a number`);
  state.statistic.fields[line.args[0]!] = value;
}

function onBin(state: ParseState, line: ScaLine): void {
  if (!hasArity(state, line, 2)) return;
  if (!state.statistic) return problem(state, line, 'bin line outside a statistic');
  const lower = parseScaNumber(line.args[0]!);
  const count = parseScaNumber(line.args[1]!);
  if (lower === undefined || count === undefined) return problem(state, line, 'bin line needs two numbers');
  state.statistic.bins.push([lower, count]);
}

/** Vector declarations belong in `.vec` files; tolerated, not stored (nor their attributes). */
function onVector(state: ParseState): void {
  state.attrTarget = {};
}

/** The handler of each line kind. A Map, so that a kind such as `constructor` finds no handler. */
const lineHandlers = new Map<string, LineHandler>([
  ['version', onVersion],
  ['run', onRun],
  ['attr', onAttr],
  ['itervar', onItervar],
  ['config', onConfig],
  ['param', onConfig],
  ['par', onPar],
  ['scalar', onScalar],
  ['statistic', onStatistic],
  ['field', onField],
  ['bin', onBin],
  ['vector', onVector],
]);

function parseLine(state: ParseState, raw: string, no: number): void {
  if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
  const tokens = tokenize(raw);
  if (typeof tokens === 'string') return void state.file.problems.push({ line: no, message: tokens, text: raw });
  const [kind, ...args] = tokens as [string, ...string[]];
  const line: ScaLine = { no, raw, kind, args };
  const handler = lineHandlers.get(kind);
  if (handler) handler(state, line);
  else problem(state, line, `unknown line type ${JSON.stringify(kind)}`);
}

/** Parses the text of a `.sca` file. */
export function parseSca(text: string): ScaFile {
  const state: ParseState = { file: { version: undefined, runs: [], problems: [] }, run: undefined, attrTarget: undefined, statistic: undefined };
  text.split(/\r?\n/).forEach((raw, index) => parseLine(state, raw, index + 1));
  if (state.file.version === undefined) state.file.problems.push({ line: 0, message: 'no version line', text: '' });
  return state.file;
}

/** One row per scalar and per statistic field (`name:field`), the shape stored in the `scalars` collection. */
export interface ScalarRow {
  module: string;
  name: string;
  value: number;
  kind: 'scalar' | 'statistic';
  /** A scalar's attributes sorted by name, flat `[name, value, ...]` (csv-r.ts Pairs), when it has any. */
  attrs?: string[];
}

/** Flattens a parsed run into the rows stored for export; statistics become `name:count`, `name:mean`, ... */
export function scalarRows(run: ScaRun): ScalarRow[] {
  const rows: ScalarRow[] = run.scalars.map((s) => {
    const attrs = Object.entries(s.attrs)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .flat();
    return { module: s.module, name: s.name, value: s.value, kind: 'scalar', ...(attrs.length > 0 ? { attrs } : {}) };
  });
  for (const st of run.statistics) {
    for (const [field, value] of Object.entries(st.fields)) {
      rows.push({ module: st.module, name: `${st.name}:${field}`, value, kind: 'statistic' });
    }
  }
  return rows;
}
