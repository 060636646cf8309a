// Time as the Kubernetes API keeps it (RFC 3339 in whole seconds) and
// durations as the CRDs write them (Go's `1h30m`).
import parseDuration from 'parse-duration';

/** RFC 3339 in whole seconds, as the API server stores a metav1.Time. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A Go-style duration (`2h`, `45m`, `1h30m`) in whole seconds, rounded up; `fallback` when absent or not one. */
export function durationSeconds(text: string | undefined, fallback: number): number {
  if (!text || !/^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/.test(text)) return fallback;
  const ms = parseDuration(text);
  return ms !== null && ms !== undefined && ms > 0 ? Math.ceil(ms / 1000) : fallback;
}
