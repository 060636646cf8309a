// Result-file selection by `results.include` patterns. Pure.
//
// A result file is named by its path inside the run's result folder, with `/`
// between folders (a model's output-scalar-file may write into subfolders of
// ${resultdir}). A pattern without a `/` matches the file's name in any folder
// (`*.sca` keeps `results/Aloha/x.sca` too); a pattern with one matches the
// whole path (`Aloha/*.vec`). Glob syntax is picomatch's.
import picomatch from 'picomatch';

/** Default result files: what opp_runall leaves in results/ for the user. */
export const DEFAULT_RESULT_INCLUDE = ['*.sca', '*.vec', '*.vci', '*.out'];

/** A predicate over result paths for the include patterns; compiled once per list. */
export function includeMatcher(include: readonly string[]): (path: string) => boolean {
  const byName = include.filter((p) => !p.includes('/'));
  const byPath = include.filter((p) => p.includes('/'));
  const name = byName.length ? picomatch(byName, { basename: true, dot: true }) : () => false;
  const path = byPath.length ? picomatch(byPath, { dot: true }) : () => false;
  return (p) => name(p) || path(p);
}

/** True when a result file's path matches any include pattern. */
export function matchesInclude(path: string, include: readonly string[]): boolean {
  return includeMatcher(include)(path);
}
