// What a run simulates, as OMNeT++ reports it: the values of its iteration
// variables, its repetition and its seed set. The plan reads the first two
// from `-s -q runs` for every run before any of them starts (so a run that
// fails at once is still known by what it is); a successful run's `.sca`
// header adds the seed set. Pure.

export interface RunIdentity {
  /** `$name=value` of `-q runs`, without the `$` and without `repetition`; values as OMNeT++ prints them. */
  iterationVars: Record<string, string>;
  repetition: number;
  /** The `seedset` attribute of the run's `.sca` (`seed-set` defaults to the run number). */
  seedSet?: number;
}

export interface PlannedRun {
  run: number;
  identity: RunIdentity;
}

const RUN_LINE = /^Run (\d+): (.*)$/;
// Each variable starts with `$name=`; a value may hold commas, so only `, $name=` ends the one before.
const VARIABLE = /(?:^|, )\$([A-Za-z_][A-Za-z0-9_]*)=/g;

/** The variables of one `-q runs` line after `Run N: `, in order. */
function parseVariables(text: string): Array<[string, string]> {
  const starts = [...text.matchAll(VARIABLE)];
  return starts.map((m, i) => [m[1]!, text.slice(m.index + m[0].length, starts[i + 1]?.index ?? text.length)]);
}

/** The run number of a run line, as parseRunLine reads it, without the identity; undefined for any other line. */
export function runLineNumber(line: string): number | undefined {
  const m = RUN_LINE.exec(line);
  return m ? Number(m[1]) : undefined;
}

/** The run of one `Run 14: $numHosts=15, $iaMean=1, $repetition=0` line (trimmed); undefined for any other line. */
export function parseRunLine(line: string): PlannedRun | undefined {
  const m = RUN_LINE.exec(line);
  if (!m) return undefined;
  const vars = parseVariables(m[2]!);
  const repetition = Number(vars.find(([k]) => k === 'repetition')?.[1] ?? 0);
  const iterationVars = Object.fromEntries(vars.filter(([k]) => k !== 'repetition'));
  return { run: Number(m[1]), identity: { iterationVars, repetition: Number.isInteger(repetition) ? repetition : 0 } };
}

/**
 * Parses a short output of `-s -q runs` held in one string (tests, recorded
 * cases): one run line per selected run, other lines (a banner) ignored.
 * Returns the runs in number order, or an error message when the output is
 * not empty and has no such line. A plan reads the output as a stream
 * instead (run-list.ts), which has no size limit.
 */
export function parseRunList(stdout: string): PlannedRun[] | string {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim());
  const runs = new Map<number, PlannedRun>();
  for (const line of lines) {
    const planned = parseRunLine(line);
    if (planned) runs.set(planned.run, planned);
  }
  if (runs.size === 0) {
    const other = lines.filter((l) => l !== '');
    if (other.length > 0) return `no run lines in the output: ${JSON.stringify(other.slice(-3).join(' | '))}`;
  }
  return [...runs.values()].sort((a, b) => a.run - b.run);
}

/** A run's identity from its `.sca` header: the itervar lines, `attr repetition` and `attr seedset`; undefined without them. */
export function identityFromSca(run: { attrs: Record<string, string>; itervars: Record<string, string> }): RunIdentity | undefined {
  const repetition = Number(run.attrs.repetition);
  if (!Number.isInteger(repetition)) return undefined;
  const seedSet = Number(run.attrs.seedset);
  return { iterationVars: { ...run.itervars }, repetition, ...(Number.isInteger(seedSet) ? { seedSet } : {}) };
}

/** `$numHosts=15, $iaMean=1, $repetition=0` as `-q runs` prints it, then the seed set when known. */
export function describeIdentity(identity: RunIdentity): string {
  const vars = [...Object.entries(identity.iterationVars), ['repetition', String(identity.repetition)]].map(([k, v]) => `$${k}=${v}`).join(', ');
  return identity.seedSet === undefined ? vars : `${vars} (seed set ${identity.seedSet})`;
}
