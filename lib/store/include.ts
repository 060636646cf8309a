// Result-file selection by `results.include` patterns. Pure.

/** Default result files: what opp_runall leaves in results/ for the user. */
export const DEFAULT_RESULT_INCLUDE = ['*.sca', '*.vec', '*.vci', '*.out'];

/** Converts a file-name glob (`*`, `?`, `[...]`) to an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** True when a result file's name matches any include pattern. */
export function matchesInclude(fileName: string, include: readonly string[]): boolean {
  return include.some((p) => globToRegExp(p).test(fileName));
}
