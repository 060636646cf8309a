// Result-file selection by `results.include` patterns, and the grammar of
// those patterns. Pure.
//
// A result file is named by its path inside the run's result folder, with `/`
// between folders (a model's output-scalar-file may write into subfolders of
// ${resultdir}). A pattern without a `/` matches the file's name in any folder
// (`*.sca` keeps `results/Aloha/x.sca` too); a pattern with one matches the
// whole path (`Aloha/*.vec`).
//
// The grammar is one thing, written once here as regular expressions that
// mean the same in JavaScript and in RE2 (the CRD's CEL rules quote them, and
// a test holds the two against each other and against the API server):
// folders split by `/`, none empty, `.` or `..`; in a folder or name, `**`
// alone (any folders), or literal characters, `*` (never two together), `?`,
// a class `[a-z0-9_]` or `[!a]`/`[^a]` (printable ASCII; ranges in order, between
// digits, capitals or small letters) and
// braces `{sca,vec}` (two or more alternatives of literals, `*` and `?`). No
// backslash, `!` outside a class, parentheses or `|`: picomatch would read
// them as escapes, negations and extglobs, or a reversed range as a pattern
// that silently matches nothing. picomatch matches what the grammar accepts.
import picomatch from 'picomatch';

/** Default result files: what opp_runall leaves in results/ for the user. */
export const DEFAULT_RESULT_INCLUDE = ['*.sca', '*.vec', '*.vci', '*.out'];

// A literal character outside braces (a comma is one: OMNeT++'s file names hold `n=1,m=2`), inside braces, in a class.
const LITERAL = String.raw`[^\x00-\x1f\x7f/\\\[\]{}()|!*?]`;
const BRACE_LITERAL = String.raw`[^\x00-\x1f\x7f/\\\[\]{}()|!*?,]`;
const CLASS_CHAR = String.raw`[\x20\x22-\x2c\x2e\x30-\x5a\x5f-\x7e]`;
// Ranges only between two digits, two capitals or two small letters, so that a reversed one is a short expression.
const RANGE = '(?:[0-9]-[0-9]|[A-Z]-[A-Z]|[a-z]-[a-z])';
const CLASS = String.raw`\[[!^]?(?:${RANGE}|${CLASS_CHAR})+\]`;
const ALTERNATIVE = String.raw`(?:\*|(?:\*?(?:${BRACE_LITERAL}|\?))+\*?)`;
const PIECE = String.raw`(?:${LITERAL}|\?|${CLASS}|\{${ALTERNATIVE}(?:,${ALTERNATIVE})+\})`;
const SEGMENT = String.raw`(?:\*\*|\*|(?:\*?${PIECE})+\*?)`;
/** The shape of a whole pattern. */
export const INCLUDE_SHAPE = `^${SEGMENT}(?:/${SEGMENT})*$`;
/** A `.` or `..` folder, which the shape allows as literals. */
export const INCLUDE_DOT_SEGMENT = String.raw`(^|/)\.\.?(/|$)`;

/** `b-[a-a]|c-[a-b]|...`: every range from `first` to `last` whose end comes before its start. */
function reversedRanges(first: string, last: string): string[] {
  const from = first.charCodeAt(0);
  const to = last.charCodeAt(0);
  return Array.from({ length: to - from }, (_, i) => `${String.fromCharCode(from + i + 1)}-[${first}-${String.fromCharCode(from + i)}]`);
}
/** A class holding a reversed range (in a pattern of the right shape a `[` opens a class, and a class holds no `]`). */
export const INCLUDE_REVERSED_RANGE = String.raw`\[[^\]]*(?:${[...reversedRanges('0', '9'), ...reversedRanges('A', 'Z'), ...reversedRanges('a', 'z')].join('|')})`;

const SHAPE = new RegExp(INCLUDE_SHAPE);
const DOT_SEGMENT = new RegExp(INCLUDE_DOT_SEGMENT);
const REVERSED_RANGE = new RegExp(INCLUDE_REVERSED_RANGE);

/** Why `pattern` is not an include pattern, or undefined when it is one. */
export function includePatternError(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'an empty pattern';
  if (pattern.length > 256) return 'longer than 256 characters';
  if (pattern.startsWith('/') || DOT_SEGMENT.test(pattern)) return "outside the run's result folder (a leading '/', or a '.' or '..' folder)";
  if (!SHAPE.test(pattern)) {
    return "not a pattern of literal characters, '*', '**' as a whole folder, '?', classes such as [a-z] or [!a] and braces such as {sca,vec} (no '\\', no '!' outside a class, no '(', ')' or '|', no empty folder)";
  }
  const reversed = REVERSED_RANGE.exec(pattern);
  if (reversed) return `the range ${reversed[0].slice(-3)} is reversed`;
  return undefined;
}

/** The patterns' problems, one line each naming the pattern; empty when all are valid. */
export function includeProblems(include: readonly string[]): string[] {
  return include.flatMap((p) => {
    const error = includePatternError(p);
    return error === undefined ? [] : [`${JSON.stringify(p)}: ${error}`];
  });
}

/** picomatch's spelling of a valid pattern: a class negated with `!` is written with `^`, which picomatch negates. */
const forPicomatch = (pattern: string) => pattern.replace(/\[!/g, '[^');

/** A predicate over result paths for the include patterns; compiled once per list. Throws on an invalid pattern. */
export function includeMatcher(include: readonly string[]): (path: string) => boolean {
  const problems = includeProblems(include);
  if (problems.length > 0) throw new Error(`Invalid results.include patterns: ${problems.join('; ')}`);
  const byName = include.filter((p) => !p.includes('/')).map(forPicomatch);
  const byPath = include.filter((p) => p.includes('/')).map(forPicomatch);
  const name = byName.length ? picomatch(byName, { basename: true, dot: true }) : () => false;
  const path = byPath.length ? picomatch(byPath, { dot: true }) : () => false;
  return (p) => name(p) || path(p);
}

/** True when a result file's path matches any include pattern. */
export function matchesInclude(path: string, include: readonly string[]): boolean {
  return includeMatcher(include)(path);
}
