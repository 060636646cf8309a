// Parser of OMNeT++ scalar files (`.sca`): version 3 (OMNeT++ 6) and version 2
// (OMNeT++ 5, which has `param` lines instead of `config`). Pure and total: a
// malformed line is reported with its number and skipped, so one odd line
// never loses a run's other scalars. Line by line (sca-stream.ts feeds it a
// file of any size), and what it keeps is bounded whatever the file holds:
// the first MAX_PROBLEMS problems and their count, at most SCA_CAPS entries
// per run header, attribute list, field list and histogram; the rest is
// dropped and counted as a problem.
import { parseScaNumber, tokenize } from './sca-tokens.ts';

export { parseScaNumber, tokenize } from './sca-tokens.ts';

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
  /** The first MAX_PROBLEMS problems. */
  problems: ScaProblem[];
  /** Every problem, those not kept included. */
  problemCount: number;
}

/** Problems kept per file; a file of bad lines costs a count, not a list. */
export const MAX_PROBLEMS = 100;
/** Characters of a bad line kept with its problem. */
const PROBLEM_TEXT = 200;

/** The most entries kept per run (runs per file, header entries), per attribute and field list, per histogram. */
export const SCA_CAPS = { runs: 1000, header: 10_000, attrs: 100, fields: 100, bins: 10_000 } as const;

/** What the parser carries from one line to the next. */
export interface ParseState {
  file: ScaFile;
  /** `par` lines are kept only when asked: INET records thousands per run, and nothing stored uses them. */
  keepParams: boolean;
  /** Header entries (attr, itervar, config) of the current run. */
  headerEntries: number;
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

/** Records a problem of line `no`: counted always, kept while fewer than MAX_PROBLEMS are. */
export function addProblem(file: ScaFile, no: number, message: string, text: string): void {
  file.problemCount++;
  if (file.problems.length < MAX_PROBLEMS) file.problems.push({ line: no, message, text: text.slice(0, PROBLEM_TEXT) });
}

function problem(state: ParseState, line: ScaLine, message: string): void {
  addProblem(state.file, line.no, message, line.raw);
}

/** Whether a list already holding `size` entries may take one more under `cap`; reports the line dropped when not. */
function room(state: ParseState, line: ScaLine, size: number, cap: number, what: string): boolean {
  if (size < cap) return true;
  problem(state, line, `${line.kind} line dropped: more than ${cap} ${what}`);
  return false;
}

/** Room for one more header entry of the current run. */
function headerRoom(state: ParseState, line: ScaLine): boolean {
  if (!room(state, line, state.headerEntries, SCA_CAPS.header, 'header entries in a run')) return false;
  state.headerEntries++;
  return true;
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
  if (!hasArity(state, line, 1) || !room(state, line, state.file.runs.length, SCA_CAPS.runs, 'runs in a file')) return;
  const run: ScaRun = { runId: line.args[0]!, attrs: {}, itervars: {}, config: [], params: [], scalars: [], statistics: [] };
  state.file.runs.push(run);
  state.run = run;
  state.attrTarget = run.attrs;
  state.statistic = undefined;
  state.headerEntries = 0;
}

function onAttr(state: ParseState, line: ScaLine): void {
  if (!hasArity(state, line, 2) || !currentRun(state, line)) return;
  const target = state.attrTarget;
  if (!target) return problem(state, line, 'attr line without a target');
  const isHeader = target === state.run?.attrs;
  if (!(line.args[0]! in target) && !(isHeader ? headerRoom(state, line) : room(state, line, Object.keys(target).length, SCA_CAPS.attrs, 'attributes'))) return;
  target[line.args[0]!] = line.args[1]!;
}

function onItervar(state: ParseState, line: ScaLine): void {
  const run = runWithArity(state, line, 2);
  if (run && headerRoom(state, line)) run.itervars[line.args[0]!] = line.args[1]!;
}

/** `config` (v3) and `param` (v2) lines: the effective ini settings. */
function onConfig(state: ParseState, line: ScaLine): void {
  const run = runWithArity(state, line, 2);
  if (run && headerRoom(state, line)) run.config.push([line.args[0]!, line.args[1]!]);
}

function onPar(state: ParseState, line: ScaLine): void {
  const run = runWithArity(state, line, 3);
  if (!run) return;
  if (state.keepParams) run.params.push({ module: line.args[0]!, name: line.args[1]!, value: line.args[2]! });
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
  const { fields } = state.statistic;
  if (!(line.args[0]! in fields) && !room(state, line, Object.keys(fields).length, SCA_CAPS.fields, 'fields')) return;
  fields[line.args[0]!] = value;
}

function onBin(state: ParseState, line: ScaLine): void {
  if (!hasArity(state, line, 2)) return;
  if (!state.statistic) return problem(state, line, 'bin line outside a statistic');
  const lower = parseScaNumber(line.args[0]!);
  const count = parseScaNumber(line.args[1]!);
  if (lower === undefined || count === undefined) return problem(state, line, 'bin line needs two numbers');
  if (room(state, line, state.statistic.bins.length, SCA_CAPS.bins, 'bins')) state.statistic.bins.push([lower, count]);
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

/** Parses one line (numbered from 1) into the state. */
export function parseLine(state: ParseState, raw: string, no: number): void {
  if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
  const tokens = tokenize(raw);
  if (typeof tokens === 'string') return addProblem(state.file, no, tokens, raw);
  const [kind, ...args] = tokens as [string, ...string[]];
  const line: ScaLine = { no, raw, kind, args };
  const handler = lineHandlers.get(kind);
  if (handler) handler(state, line);
  else problem(state, line, `unknown line type ${JSON.stringify(kind)}`);
}

/** A parser's state before the first line. */
export function parseState(keepParams: boolean): ParseState {
  return { file: { version: undefined, runs: [], problems: [], problemCount: 0 }, keepParams, headerEntries: 0, run: undefined, attrTarget: undefined, statistic: undefined };
}

/** The parsed file once every line went in. */
export function endOfFile(state: ParseState): ScaFile {
  if (state.file.version === undefined) addProblem(state.file, 0, 'no version line', '');
  return state.file;
}

/** Parses the text of a `.sca` file, `par` lines kept. */
export function parseSca(text: string): ScaFile {
  const state = parseState(true);
  text.split(/\r?\n/).forEach((raw, index) => parseLine(state, raw, index + 1));
  return endOfFile(state);
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

/** Flattens a parsed run (or a part of its scalars and statistics) into the rows stored for export; statistics become `name:count`, `name:mean`, ... */
export function scalarRows(run: Pick<ScaRun, 'scalars' | 'statistics'>): ScalarRow[] {
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
