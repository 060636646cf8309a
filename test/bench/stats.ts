// Timing and percentile helpers shared by the benchmarks. Pure: no I/O
// except `printTable`/`printDefinitions`, which write to stdout.

/** Wall-clock now in milliseconds with sub-millisecond resolution, comparable across processes (epoch based). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The p-th percentile (0..100) of `values` by linear interpolation between
 * closest ranks (the same definition as numpy's default); NaN when empty.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
}

/** Count, mean, p50, p95, min and max of a sample; NaN fields when empty. */
export function summarize(values: readonly number[]): Summary {
  const count = values.length;
  const mean = count === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / count;
  return {
    count,
    mean,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    min: count === 0 ? Number.NaN : Math.min(...values),
    max: count === 0 ? Number.NaN : Math.max(...values),
  };
}

/** One completed task as seen by a worker: which worker, when it was done (epoch ms) and how long its process ran. */
export interface Completion {
  worker: string;
  doneAtMs: number;
  /** The simulation process's own spawn-to-exit time as the worker measured it, when known. */
  processMs?: number;
}

/**
 * Per-task cycle times: for each worker, the gaps between its consecutive
 * completions (the first completion of each worker has no predecessor and is
 * dropped). A cycle is everything a worker does for one task: take it from the
 * queue, run the process, store the result, acknowledge.
 */
export function cycleTimes(completions: readonly Completion[]): Array<{ cycleMs: number; processMs?: number }> {
  const byWorker = new Map<string, Completion[]>();
  for (const c of completions) {
    const list = byWorker.get(c.worker) ?? [];
    list.push(c);
    byWorker.set(c.worker, list);
  }
  const out: Array<{ cycleMs: number; processMs?: number }> = [];
  for (const list of byWorker.values()) {
    list.sort((a, b) => a.doneAtMs - b.doneAtMs);
    for (let i = 1; i < list.length; i++) {
      const c = list[i]!;
      out.push({ cycleMs: c.doneAtMs - list[i - 1]!.doneAtMs, ...(c.processMs !== undefined ? { processMs: c.processMs } : {}) });
    }
  }
  return out;
}

/** Formats a number with a fixed count of decimals; `-` for NaN or undefined. */
export function fmt(v: number | undefined, decimals = 1): string {
  return v === undefined || Number.isNaN(v) ? '-' : v.toFixed(decimals);
}

/** Prints an aligned text table: a header row, a rule, then the rows. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Prints `name: definition` lines, so every figure in the output says what it measures. */
export function formatDefinitions(defs: Record<string, string>): string {
  const width = Math.max(...Object.keys(defs).map((k) => k.length));
  return Object.entries(defs)
    .map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)
    .join('\n');
}
