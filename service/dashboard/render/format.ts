// How numbers, durations and times read on the pages: the clock is passed in,
// so a page renders the same for the same data and time.

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A duration as `3d04h`, `1h02m`, `3m05s`, `4.2s` or `350ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  const d = Math.floor(s / 86_400);
  if (d > 0) return `${d}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  return `${m}m${String(sec).padStart(2, '0')}s`;
}

/** An instant in UTC, to the second: `2026-11-21 21:10:05 UTC`. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return `${t.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** An expected finish as `in 12m00s (2026-... UTC)`, or `overdue` once it has passed. */
export function formatEta(iso: string | undefined, now: Date): string {
  if (!iso) return '—';
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return '—';
  const left = at - now.getTime();
  return left > 0 ? `in ${formatDuration(left)} (${formatTime(iso)})` : `overdue (${formatTime(iso)})`;
}

export interface Counts {
  total?: number;
  succeeded: number;
  failed: number;
  running: number;
  pending: number;
}

/** Finished runs (succeeded or failed) and the total, the total being at least what has been counted. */
export function progressOf(runs: Counts): { done: number; total: number; percent: number } {
  const done = runs.succeeded + runs.failed;
  const total = Math.max(runs.total ?? 0, done + runs.running + runs.pending);
  const percent = total === 0 ? 0 : Math.floor((done / total) * 1000) / 10;
  return { done, total, percent };
}

/** The bytes of a file as `512 B`, `3.4 KiB`, `12.0 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
