// The chaos test's verdict on what a campaign left in the store: each check
// takes what was read back (run records, GridFS files and their bytes,
// scalar documents) and the expected result files of every run, and returns
// its problems as lines (empty when it holds), so that a failure names every
// run it concerns. Pure. The checks look only at outcomes a reader sees, so
// they hold for any way of choosing a run's one winning attempt.
import { isDeepStrictEqual } from 'node:util';
import { runHeaderOf } from '../../lib/store/csv-r.ts';
import { identityFromSca } from '../../lib/engine/run-identity.ts';
import { parseSca, scalarRows } from '../../lib/store/sca.ts';
import type { RunDoc } from '../../lib/store/store.ts';

/** A GridFS file of the campaign as its `.files` document has it. */
export interface StoredFile {
  id: string;
  metadata: { run?: number; attempt?: number; fileName?: string };
}

/** What the store holds for one campaign. */
export interface Stored {
  runs: RunDoc[];
  files: StoredFile[];
  /** The bytes of each referenced file by id, or the error its download ended with. */
  contents: Map<string, Buffer | Error>;
  /** Documents of `scalars`, `scaRuns` and `statistics`, with their run and file. */
  scalars: Array<{ run: number; file: string }>;
  scaRuns: Array<{ run: number; file: string }>;
  statistics: Array<{ run: number; file: string }>;
}

/** The expected result files of each run, by run number, then file name. */
export type Expected = Map<number, Map<string, Buffer>>;

/** Every planned run has exactly one record, succeeded, whose history shows exactly one success (by the recorded runner). */
export function checkRecords(runs: RunDoc[], total: number): string[] {
  const problems: string[] = [];
  if (runs.length !== total) problems.push(`${runs.length} run records for ${total} runs`);
  const numbers = new Set(runs.map((r) => r.run));
  for (let n = 0; n < total; n++) if (!numbers.has(n)) problems.push(`run ${n}: no record`);
  for (const r of runs) {
    if (r.status !== 'succeeded') problems.push(`run ${r.run}: ${r.status} (${r.reason ?? ''}: ${r.message ?? ''})`);
    const successes = (r.attemptHistory ?? []).filter((a) => a.reason === 'Succeeded');
    if (successes.length !== 1) problems.push(`run ${r.run}: ${successes.length} successful attempts in its history`);
    else if (successes[0]!.runnerPod !== r.runnerPod) problems.push(`run ${r.run}: succeeded on ${successes[0]!.runnerPod}, record says ${r.runnerPod}`);
  }
  return problems;
}

/** The attempt of a run's one recorded success, if any. */
function winningAttempt(r: RunDoc): number | undefined {
  const successes = (r.attemptHistory ?? []).filter((a) => a.reason === 'Succeeded');
  return successes.length === 1 ? successes[0]!.attempt : undefined;
}

/**
 * Each run names exactly its expected files; each named file exists, belongs
 * to that run and to the winning attempt, and holds the expected bytes.
 */
export function checkFileContents(s: Stored, expected: Expected): string[] {
  const problems: string[] = [];
  const byId = new Map(s.files.map((f) => [f.id, f]));
  for (const r of s.runs) {
    const want = expected.get(r.run);
    const refs = r.resultFiles ?? [];
    const names = refs.map((f) => f.name).sort();
    if (!want) {
      problems.push(`run ${r.run}: no expected files`);
      continue;
    }
    if (!isDeepStrictEqual(names, [...want.keys()].sort())) problems.push(`run ${r.run}: names ${names.join(', ')}, expected ${[...want.keys()].join(', ')}`);
    const attempt = winningAttempt(r);
    for (const ref of refs) {
      const id = String(ref.gridfsId);
      const file = byId.get(id);
      const where = `run ${r.run} ${ref.name}`;
      if (!file) {
        problems.push(`${where}: referenced file ${id} is not in GridFS`);
        continue;
      }
      if (file.metadata.run !== r.run || file.metadata.fileName !== ref.name) problems.push(`${where}: the file is run ${file.metadata.run}'s ${file.metadata.fileName}`);
      if (file.metadata.attempt !== undefined && file.metadata.attempt !== attempt) problems.push(`${where}: stored by attempt ${file.metadata.attempt}, the run's success is attempt ${attempt}`);
      const bytes = s.contents.get(id);
      if (bytes instanceof Error) problems.push(`${where}: download failed: ${bytes.message}`);
      else if (!bytes || !want.get(ref.name)?.equals(bytes)) problems.push(`${where}: content differs from the run's own output (${bytes?.length ?? 0} bytes, expected ${want.get(ref.name)?.length ?? 0})`);
    }
  }
  return problems;
}

/** GridFS holds exactly one file per run and name, and only files some run names: no loser's file is left. */
export function checkNoStrayFiles(s: Stored): string[] {
  const problems: string[] = [];
  const referenced = new Set(s.runs.flatMap((r) => (r.resultFiles ?? []).map((f) => String(f.gridfsId))));
  const perName = new Map<string, number>();
  for (const f of s.files) {
    const key = `run ${f.metadata.run} ${f.metadata.fileName}`;
    perName.set(key, (perName.get(key) ?? 0) + 1);
    if (!referenced.has(f.id)) problems.push(`${key} (attempt ${f.metadata.attempt}): stored, referenced by no run`);
  }
  for (const [key, n] of perName) if (n > 1) problems.push(`${key}: ${n} files`);
  return problems;
}

/** The fields of a stored document that its expected counterpart has (the store may add its own). */
function like(doc: object, want: object): Record<string, unknown> {
  return Object.fromEntries(Object.keys(want).map((k) => [k, (doc as Record<string, unknown>)[k]]));
}

/** A scalar row as a comparable string: what it says, whatever else its document holds. */
function rowKey(d: object): string {
  const r = d as Record<string, unknown>;
  return JSON.stringify([r.module, r.name, r.value, r.kind, r.attrs ?? null]);
}

/**
 * Each run's scalar rows, `.sca` header and statistics are exactly those of
 * its expected `.sca` (what one attempt writes, from the winning attempt's
 * output: its header names the runner), and its record's identity is the
 * one that `.sca` states.
 */
export function checkScalars(s: Stored, expected: Expected): string[] {
  const problems: string[] = [];
  const known = new Set(s.runs.map((r) => r.run));
  for (const d of [...s.scalars, ...s.scaRuns, ...s.statistics]) if (!known.has(d.run)) problems.push(`a scalar document of run ${d.run}, which has no record`);
  for (const r of s.runs) {
    for (const [file, bytes] of expected.get(r.run) ?? []) {
      if (!file.endsWith('.sca')) continue;
      const parsed = parseSca(bytes.toString('utf8')).runs[0];
      if (!parsed) {
        problems.push(`run ${r.run} ${file}: the expected .sca has no run`);
        continue;
      }
      const rows = scalarRows(parsed);
      const stored = s.scalars.filter((d) => d.run === r.run && d.file === file);
      if (stored.length !== rows.length) problems.push(`run ${r.run} ${file}: ${stored.length} scalar rows, one attempt writes ${rows.length}`);
      else if (!isDeepStrictEqual(stored.map(rowKey).sort(), rows.map(rowKey).sort())) problems.push(`run ${r.run} ${file}: scalar rows differ from the run's own .sca`);
      const header = runHeaderOf(parsed);
      const headers = s.scaRuns.filter((d) => d.run === r.run && d.file === file);
      if (headers.length !== 1) problems.push(`run ${r.run} ${file}: ${headers.length} run headers`);
      else if (!isDeepStrictEqual(like(headers[0]!, header), header)) problems.push(`run ${r.run} ${file}: run header is another attempt's (${configOf(headers[0]!)} vs ${configOf(header)})`);
      const statistics = s.statistics.filter((d) => d.run === r.run && d.file === file).length;
      if (statistics !== parsed.statistics.length) problems.push(`run ${r.run} ${file}: ${statistics} statistics, one attempt writes ${parsed.statistics.length}`);
      const identity = identityFromSca(parsed);
      if (!isDeepStrictEqual(r.iterationVars, identity?.iterationVars) || r.repetition !== identity?.repetition) {
        problems.push(`run ${r.run}: record says ${JSON.stringify([r.iterationVars, r.repetition])}, its .sca ${JSON.stringify([identity?.iterationVars, identity?.repetition])}`);
      }
    }
  }
  return problems;
}

/** The runner tag of a header's config lines, for a readable message. */
function configOf(h: object): string {
  const c = (h as { config?: unknown }).config;
  const config = Array.isArray(c) ? (c as string[]) : [];
  const at = config.findIndex((k) => k.endsWith('chaosRunner'));
  return at >= 0 ? `runner ${config[at + 1]}` : 'no runner tag';
}
