// CSV as RFC 4180 writes it, for the admins' direct scalar export (`results --scalars-csv --mongo-uri`). Pure.

/** One CSV field, quoted when it must be. */
export function csvField(value: string | number): string {
  const text = typeof value === 'number' ? String(value) : value;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record, with its line end. */
export function csvLine(values: ReadonlyArray<string | number>): string {
  return `${values.map(csvField).join(',')}\n`;
}
