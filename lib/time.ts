// Time as the Kubernetes API keeps it (RFC 3339 in whole seconds) and
// durations as the CRDs and the CLI write them (Go's `1h30m`, `500ms`).
import parseDuration from 'parse-duration';

/** RFC 3339 in whole seconds, as the API server stores a metav1.Time. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// parse-duration also reads `1 hour` or `2d`; the CRDs' pattern and Go take only these units, run together.
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/;

/** A Go-style duration in milliseconds; undefined when the text is not one. */
export function goDurationMs(text: string): number | undefined {
  if (!GO_DURATION.test(text)) return undefined;
  const ms = parseDuration(text);
  return typeof ms === 'number' ? ms : undefined;
}

/** A Go-style duration (`2h`, `45m`, `1h30m`) in whole seconds, rounded up; `fallback` when absent, zero or not one. */
export function durationSeconds(text: string | undefined, fallback: number): number {
  const ms = text ? goDurationMs(text) : undefined;
  return ms !== undefined && ms > 0 ? Math.ceil(ms / 1000) : fallback;
}
