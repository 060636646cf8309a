// The module and name patterns of the scalar export, in the syntax OMNeT++
// users write in ini files and scavetool filters: `**.server`, `collision*`,
// `Net.host[3].app[*]`. Pure.
//
// The whole module path or name must match; case matters. `*` matches any
// characters but `.`, `**` any characters including `.`, `?` one character
// but `.`, `{a,b}` either alternative; every other character, brackets
// included, stands for itself (module paths hold `[3]`, names hold `:`).
// picomatch is not used: its `*` crosses dots (its separator is `/`) and its
// brackets are character classes, so `host[0]` would not match `host[0]`.

/** The regular expression source of one pattern. */
function patternSource(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') out += '[^.]*';
    else if (c === '?') out += '[^.]';
    else if (c === '{') {
      const end = pattern.indexOf('}', i);
      if (end < 0) out += '\\{';
      else {
        out += `(?:${pattern.slice(i + 1, end).split(',').map(patternSource).join('|')})`;
        i = end;
      }
    } else out += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return out;
}

/** A test for whole strings matching `pattern`. */
export function patternMatcher(pattern: string): (text: string) => boolean {
  const re = new RegExp(`^(?:${patternSource(pattern)})$`, 's');
  return (text) => re.test(text);
}

/** The filter of an export: a module pattern and a name pattern, each optional (absent matches everything). */
export interface ResultFilter {
  module?: string;
  name?: string;
}

/** A test of a result's module and name against a filter. */
export function resultMatcher(filter: ResultFilter): (module: string, name: string) => boolean {
  const m = filter.module ? patternMatcher(filter.module) : () => true;
  const n = filter.name ? patternMatcher(filter.name) : () => true;
  return (module, name) => m(module) && n(name);
}
