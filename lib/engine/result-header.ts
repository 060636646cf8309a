// What a run's result files say about where they were written, as opp_runall
// would have left them. Pure.
//
// The runner gives every attempt a scratch result folder with `--result-dir`.
// OMNeT++ records it in the header of each `.sca`, `.vec` and `.vci`: as
// `attr resultdir <scratch>` and, like every command-line option, as a
// `config result-dir <scratch>` line. A run of opp_runall says `attr resultdir
// results` (or the ini's `result-dir`) and has no such line, so the header is
// rewritten: our config line dropped, and the result folder the one the ini
// chooses. (`--cmdenv-redirect-output=true` stays: opp_runall passes it too.)
// OMNeT++ 5.x writes version 2 files, whose config entries are `param` lines.
//
// A `.vec` header is rewritten in place of the old one, which moves every data
// block by the difference in length: its `.vci` records each block's byte
// offset and the `.vec`'s size, so both are shifted by that difference too.

/** What our command line adds to opp_runall's, exactly as runCommand (command.ts) passes it. */
export interface RunnerOptions {
  /** The scratch folder given as `--result-dir`. */
  resultDir: string;
}

/** Where OMNeT++ writes results when neither the ini nor the command line names a folder. */
export const DEFAULT_RESULT_DIR = 'results';

const HEADER_LINE = /^(version|run|attr|itervar|config|param) /;

/**
 * The length (in characters) of the header at the start of `text`: its lines
 * up to the first one that is not `version`, `run`, `attr`, `itervar`,
 * `config` or (version 2) `param`. Undefined when `text` ends inside the header and more may follow
 * (`complete` false): the caller reads on.
 */
export function headerLength(text: string, complete: boolean): number | undefined {
  let at = 0;
  for (;;) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return complete || (text.length > at && !couldBeHeader(text.slice(at))) ? at : undefined;
    if (!HEADER_LINE.test(text.slice(at, nl + 1))) return at;
    at = nl + 1;
  }
}

// A line cut short by the end of a chunk: a header line if it starts like one.
function couldBeHeader(start: string): boolean {
  return ['version ', 'run ', 'attr ', 'itervar ', 'config ', 'param '].some((p) => p.startsWith(start) || start.startsWith(p));
}

// The value of a header line as written: bare, or in double quotes with \" and \\ escapes.
function unquote(raw: string): string {
  if (!raw.startsWith('"') || !raw.endsWith('"') || raw.length < 2) return raw;
  return raw.slice(1, -1).replace(/\\(.)/g, '$1');
}

function configLine(line: string): { key: string; raw: string } | undefined {
  const m = /^(?:config|param) (\S+) (.*)$/.exec(line);
  return m ? { key: m[1]!, raw: m[2]! } : undefined;
}

/** Whether a `config` line is the `--result-dir` our command line added. */
function isOwnResultDir(line: string, own: RunnerOptions): boolean {
  const entry = configLine(line);
  return entry?.key === 'result-dir' && unquote(entry.raw) === own.resultDir;
}

/**
 * The header as the user's own run would have written it: our `config
 * result-dir` line dropped (the first one: command-line options come before
 * the ini's), `attr resultdir` the ini's `result-dir` (as its config line
 * records it, already expanded) or `results`.
 */
export function rewriteHeader(header: string, own: RunnerOptions): string {
  const lines = header.split('\n');
  const ours = lines.findIndex((line) => isOwnResultDir(line, own));
  const kept = ours < 0 ? lines : lines.filter((_, i) => i !== ours);
  const userDir = kept.map(configLine).find((e) => e?.key === 'result-dir')?.raw ?? DEFAULT_RESULT_DIR;
  return kept.map((line) => (line.startsWith('attr resultdir ') && unquote(line.slice(15)) === own.resultDir ? `attr resultdir ${userDir}` : line)).join('\n');
}

/** A block line of a `.vci`: `<vector id>\t<offset> <length> ...` (any blanks between them). */
const BLOCK_LINE = /^(\d+)([ \t]+)(\d+)(.*)$/;

/**
 * A `.vci` rewritten for its `.vec` whose header changed length by `shift`
 * bytes: its own header rewritten like the others, the `.vec` size in its
 * `file SIZE MTIME` line and every block's offset moved by `shift`. The first
 * line keeps its width (OMNeT++ writes it over a row of spaces).
 */
export function rewriteIndex(text: string, own: RunnerOptions, shift: number): string {
  const first = text.indexOf('\n');
  if (first < 0) return text;
  const fingerprint = /^file (\d+) (\d+)( *)$/.exec(text.slice(0, first));
  if (!fingerprint) return text;
  const line = `file ${Number(fingerprint[1]) + shift} ${fingerprint[2]}`;
  const width = first;
  const rest = text.slice(first + 1);
  const end = headerLength(rest, true)!;
  const body = shift === 0 ? rest.slice(end) : rest.slice(end).split('\n').map((l) => shiftBlock(l, shift)).join('\n');
  return `${line.padEnd(width, ' ')}\n${rewriteHeader(rest.slice(0, end), own)}${body}`;
}

function shiftBlock(line: string, shift: number): string {
  const m = BLOCK_LINE.exec(line);
  return m ? `${m[1]}${m[2]}${Number(m[3]) + shift}${m[4]}` : line;
}
