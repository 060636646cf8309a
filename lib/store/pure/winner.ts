// Which stored documents of a run come from its winning attempt: what readers
// show (the scalars carrying the run's winner's token) and what the sweep of a
// finished campaign deletes, as pure functions of what they read, so that the
// rule is tested without a store. Only documents of runs with an outcome are
// swept (an attempt in progress keeps its own); of those, a document survives
// when it comes from the run's winning attempt (its token is the winner's) or
// a record points to it (a file the run document or the run's claim names).
// Documents stored before tokens were carry none: such a file survives only
// when referenced, such a scalar when its run has no winner's token either.

/** A run with an outcome, as the sweep sees it. */
export interface SweptRun {
  /** The token of the attempt whose outcome the run shows; absent on runs stored before tokens were. */
  winnerToken?: string;
  /** The ids of the files the run document and the run's claim name. */
  referenced: ReadonlySet<string>;
}

/** A stored file or scalar document: its id, its run and the token of the attempt that stored it. */
export interface StoredDoc {
  id: string;
  run: number;
  token?: string;
}

/** True when a document of a run with winner `winnerToken` comes from the winning attempt: what readers show. */
export function fromWinner(token: string | undefined, winnerToken: string | undefined): boolean {
  return token === winnerToken;
}

/** The ids of the result files to delete. */
export function garbageFiles(runs: ReadonlyMap<number, SweptRun>, files: Iterable<StoredDoc>): string[] {
  const out: string[] = [];
  for (const f of files) {
    const run = runs.get(f.run);
    if (!run || run.referenced.has(f.id)) continue;
    if (f.token !== undefined && f.token === run.winnerToken) continue;
    out.push(f.id);
  }
  return out;
}

/** The ids of the scalar, statistic or run-header documents to delete. */
export function garbageScalars(runs: ReadonlyMap<number, SweptRun>, docs: Iterable<StoredDoc>): string[] {
  const out: string[] = [];
  for (const d of docs) {
    const run = runs.get(d.run);
    if (run && !fromWinner(d.token, run.winnerToken)) out.push(d.id);
  }
  return out;
}
