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

/** Parses the text of a `.sca` file. */
export function parseSca(text: string): ScaFile {
  const file: ScaFile = { version: undefined, runs: [], problems: [] };
  let run: ScaRun | undefined;
  // `attr` lines belong to the most recent run header, scalar or statistic.
  let attrTarget: Record<string, string> | undefined;
  let statistic: ScaStatistic | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const problem = (message: string) => file.problems.push({ line: lineNo, message, text: raw });
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const tokens = tokenize(raw);
    if (typeof tokens === 'string') return problem(tokens);
    const [kind, ...args] = tokens as [string, ...string[]];
    const needRun = (): ScaRun | undefined => {
      if (!run) problem(`${kind} line before any run line`);
      return run;
    };
    const arity = (n: number): boolean => {
      if (args.length !== n) {
        problem(`${kind} line needs ${n} fields, has ${args.length}`);
        return false;
      }
      return true;
    };
    switch (kind) {
      case 'version': {
        if (!arity(1)) return;
        const v = Number(args[0]);
        if (!Number.isInteger(v)) return problem(`bad version ${args[0]}`);
        if (v !== 2 && v !== 3) problem(`unsupported version ${v}; parsing as version 3`);
        file.version = v;
        return;
      }
      case 'run': {
        if (!arity(1)) return;
        run = { runId: args[0]!, attrs: {}, itervars: {}, config: [], params: [], scalars: [], statistics: [] };
        file.runs.push(run);
        attrTarget = run.attrs;
        statistic = undefined;
        return;
      }
      case 'attr': {
        if (!arity(2) || !needRun()) return;
        if (!attrTarget) return problem('attr line without a target');
        attrTarget[args[0]!] = args[1]!;
        return;
      }
      case 'itervar': {
        const r = needRun();
        if (!arity(2) || !r) return;
        r.itervars[args[0]!] = args[1]!;
        return;
      }
      case 'config':
      case 'param': {
        const r = needRun();
        if (!arity(2) || !r) return;
        r.config.push([args[0]!, args[1]!]);
        return;
      }
      case 'par': {
        const r = needRun();
        if (!arity(3) || !r) return;
        r.params.push({ module: args[0]!, name: args[1]!, value: args[2]! });
        attrTarget = {};
        return;
      }
      case 'scalar': {
        const r = needRun();
        if (!arity(3) || !r) return;
        const value = parseScaNumber(args[2]!);
        if (value === undefined) return problem(`scalar value ${JSON.stringify(args[2])} is not a number`);
        const scalar: ScaScalar = { module: args[0]!, name: args[1]!, value, attrs: {} };
        r.scalars.push(scalar);
        attrTarget = scalar.attrs;
        statistic = undefined;
        return;
      }
      case 'statistic': {
        const r = needRun();
        if (!arity(2) || !r) return;
        statistic = { module: args[0]!, name: args[1]!, fields: {}, bins: [], attrs: {} };
        r.statistics.push(statistic);
        attrTarget = statistic.attrs;
        return;
      }
      case 'field': {
        if (!arity(2)) return;
        if (!statistic) return problem('field line outside a statistic');
        const value = parseScaNumber(args[1]!);
        if (value === undefined) return problem(`field value ${JSON.stringify(args[1])} is not a number`);
        statistic.fields[args[0]!] = value;
        return;
      }
      case 'bin': {
        if (!arity(2)) return;
        if (!statistic) return problem('bin line outside a statistic');
        const lower = parseScaNumber(args[0]!);
        const count = parseScaNumber(args[1]!);
        if (lower === undefined || count === undefined) return problem('bin line needs two numbers');
        statistic.bins.push([lower, count]);
        return;
      }
      case 'vector':
        // Vector declarations belong in `.vec` files; tolerated, not stored.
        attrTarget = {};
        return;
      default:
        problem(`unknown line type ${JSON.stringify(kind)}`);
    }
  });
  if (file.version === undefined) file.problems.push({ line: 0, message: 'no version line', text: '' });
  return file;
}

/** One row per scalar and per statistic field (`name:field`), the shape stored in the `scalars` collection. */
export interface ScalarRow {
  module: string;
  name: string;
  value: number;
  kind: 'scalar' | 'statistic';
}

/** Flattens a parsed run into the rows stored for export; statistics become `name:count`, `name:mean`, ... */
export function scalarRows(run: ScaRun): ScalarRow[] {
  const rows: ScalarRow[] = run.scalars.map((s) => ({ module: s.module, name: s.name, value: s.value, kind: 'scalar' }));
  for (const st of run.statistics) {
    for (const [field, value] of Object.entries(st.fields)) {
      rows.push({ module: st.module, name: `${st.name}:${field}`, value, kind: 'statistic' });
    }
  }
  return rows;
}
