// The field and number syntax of OMNeT++'s result files: whitespace-separated
// fields, `"..."` ones with backslash escapes, numbers with inf and nan. Pure;
// the `.sca` parser (sca.ts) reads every line through it.

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
