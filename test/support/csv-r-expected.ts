// What the store's CSV-R export must write, derived from a real
// `opp_scavetool export -F CSV-R` file (test/fixtures/opp_scavetool/): its
// rows minus `param` rows and their attr rows (the store keeps no `par`
// lines), with the header section's runs in run-number order. The tool
// orders its header rows by its own run list (here PureAlohaExperiment's
// before PureAloha1's, though the results follow file order); the store's
// export writes runs by run number in every section.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCAVETOOL_DIR = fileURLToPath(new URL('../fixtures/opp_scavetool/', import.meta.url));
export const SCA_FILES = ['PureAloha1-#0.sca', 'PureAlohaExperiment-numHosts=10,iaMean=2-#1.sca'];

/** The fixture's text. */
export function fixture(name: string): string {
  return readFileSync(join(SCAVETOOL_DIR, name), 'utf8');
}

/** RFC 4180 records of a CSV text (the fixtures' fields hold no line breaks; quoted fields may hold commas and quotes). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`unterminated quote in ${line}`);
        field += line.slice(i, q);
        i = q + 1;
        if (line[i] !== '"') break;
        field += '"';
        i++;
      }
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      field = line.slice(i, end);
      i = end;
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // the comma
  }
}

const HEADER_TYPES = new Set(['runattr', 'itervar', 'config']);

/**
 * The lines of a real export that the store's export writes, in its order:
 * the column line, the header rows regrouped by run (ordered by their
 * `runnumber` attribute), then every result row but params and their attrs.
 */
export function expectedLines(text: string): string[] {
  const lines = text.split('\n').filter((l) => l !== '');
  const [columns, ...rows] = lines as [string, ...string[]];
  const headers = new Map<string, string[]>();
  const results: string[] = [];
  let inParam = false;
  for (const line of rows) {
    const [run = '', type = ''] = parseCsvLine(line);
    if (HEADER_TYPES.has(type)) {
      headers.set(run, [...(headers.get(run) ?? []), line]);
      continue;
    }
    if (type !== 'attr') inParam = type === 'param';
    if (!inParam) results.push(line);
  }
  const runNumber = (block: string[]): number => Number(block.map(parseCsvLine).find((f) => f[1] === 'runattr' && f[4] === 'runnumber')?.[5]);
  const blocks = [...headers.values()].sort((a, b) => runNumber(a) - runNumber(b));
  return [columns, ...blocks.flat(), ...results];
}
