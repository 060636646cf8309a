// Status comparison for "write only when changed": two statuses are the same
// when their canonical text is, whatever their key order, undefined fields or
// sub-second parts of dates (the API server keeps whole seconds).
import { isoSeconds } from './time.ts';

/** JSON with sorted keys, without undefined fields, dates in whole seconds. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(isoSeconds(value));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
