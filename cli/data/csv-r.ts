// Counting what a CSV-R scalar export holds (opp_scavetool export -F CSV-R's
// layout: `run,type,module,name,attrname,attrvalue,value,...`, one row per
// run attribute, iteration variable, config entry, scalar, attribute,
// statistic...), for the line `results --scalars-csv` prints: its scalar
// rows and the runs they belong to. Fed in chunks as they stream. Pure.

/** The first `n` fields of a CSV line (RFC 4180 quoting). */
export function leadingFields(line: string, n: number): string[] {
  const fields: string[] = [];
  let i = 0;
  while (fields.length < n && i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i += 1;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (line[i] === '"') {
          i += 1;
          break;
        } else value += line[i++];
      }
      fields.push(value);
      i = line.indexOf(',', i) === -1 ? line.length + 1 : line.indexOf(',', i) + 1;
    } else {
      const comma = line.indexOf(',', i);
      fields.push(line.slice(i, comma === -1 ? line.length : comma));
      i = comma === -1 ? line.length + 1 : comma + 1;
    }
  }
  return fields;
}

export interface ScalarTally {
  /** Feeds the next chunk of the export's text. */
  push(text: string): void;
  /** The scalar rows and the runs they are of, once the last chunk is in. */
  result(): { rows: number; runs: number };
}

export function scalarTally(): ScalarTally {
  let pending = '';
  let rows = 0;
  let header = true;
  const runs = new Set<string>();
  const line = (text: string): void => {
    if (header) {
      header = false;
      return;
    }
    const [run = '', type] = leadingFields(text.replace(/\r$/, ''), 2);
    if (type !== 'scalar') return;
    rows += 1;
    runs.add(run);
  };
  return {
    push(text) {
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) if (l !== '') line(l);
    },
    result() {
      if (pending !== '') line(pending);
      pending = '';
      return { rows, runs: runs.size };
    },
  };
}
