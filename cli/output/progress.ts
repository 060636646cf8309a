// Live progress of a campaign. Three views of the same events: a redrawn bar on
// a TTY (stderr), one plain line per change when stderr is not a TTY, and
// NDJSON on stdout with --json. The counting and the bar text are pure.
import { formatDuration } from './format.ts';
import type { CampaignEvent } from './events.ts';

/** Counters derived from the events so far. */
export interface ProgressState {
  total: number;
  succeeded: number;
  failed: number;
  running: number;
  retries: number;
  startedAt: number;
}

export function initialProgress(startedAt: number): ProgressState {
  return { total: 0, succeeded: 0, failed: 0, running: 0, retries: 0, startedAt };
}

/** Folds one event into the counters. */
export function applyEvent(state: ProgressState, event: CampaignEvent): ProgressState {
  switch (event.type) {
    case 'planned':
      return { ...state, total: event.total };
    case 'run-started':
      return { ...state, running: state.running + 1 };
    case 'run-retrying':
      return { ...state, running: Math.max(0, state.running - 1), retries: state.retries + 1 };
    case 'run-finished':
      return {
        ...state,
        running: Math.max(0, state.running - 1),
        succeeded: state.succeeded + (event.status === 'succeeded' ? 1 : 0),
        failed: state.failed + (event.status === 'failed' ? 1 : 0),
      };
    case 'interrupted':
      return state;
  }
}

/**
 * One progress line that fits `width` columns, e.g.
 * `[#########.........]  45/100  3.2 runs/s  ETA 17s  running 2  failed 1`.
 */
export function renderProgress(state: ProgressState, now: number, width: number): string {
  const done = state.succeeded + state.failed;
  const elapsedS = Math.max(0.001, (now - state.startedAt) / 1000);
  const rate = done / elapsedS;
  const remaining = Math.max(0, state.total - done);
  const eta = done > 0 ? formatDuration((remaining / rate) * 1000) : '?';
  const counts = `${String(done).padStart(String(state.total).length)}/${state.total}`;
  const tail =
    `  ${counts}  ${rate.toFixed(rate < 10 ? 1 : 0)} runs/s  ETA ${eta}  running ${state.running}` +
    (state.failed > 0 ? `  failed ${state.failed}` : '') +
    (state.retries > 0 ? `  retries ${state.retries}` : '');
  // A fixed width keeps the bar from jumping as the counters grow; it shrinks only on narrow terminals.
  const barWidth = Math.max(10, Math.min(30, width - tail.length - 2));
  const filled = state.total > 0 ? Math.round((done / state.total) * barWidth) : 0;
  const line = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${tail}`;
  return line.length > width ? line.slice(0, Math.max(0, width)) : line;
}

/** The plain line for one event, or undefined for events not worth a line. */
export function describeEvent(event: CampaignEvent, state: ProgressState): string | undefined {
  const done = state.succeeded + state.failed;
  const prefix = `[${done}/${state.total}]`;
  switch (event.type) {
    case 'planned':
      return `Planned ${event.total} runs of config ${event.config} on ${event.parallelism} workers`;
    case 'run-started':
      return undefined;
    case 'run-retrying':
      return (
        `${prefix} Run ${event.run} attempt ${event.attempt} ended ${event.reason}` +
        `${event.errorLine ? ` (${event.errorLine})` : ''}; retrying in ${formatDuration(event.delayMs)}`
      );
    case 'run-finished':
      return event.status === 'succeeded'
        ? `${prefix} Run ${event.run} succeeded in ${formatDuration(event.elapsedMs)}`
        : `${prefix} Run ${event.run} failed after ${event.attempt} attempt(s): ${event.reason}` +
            `${event.errorLine ? ` (${event.errorLine})` : ''}`;
    case 'interrupted':
      return `Interrupted: stopping ${event.running} running simulation(s); press Ctrl-C again to quit at once`;
  }
}

/** Where progress goes; `isTTY` is the stream's own, so piping stderr switches to plain lines. */
export interface ProgressStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface ProgressReporter {
  event(event: CampaignEvent): void;
  /** Removes the bar (if any) so the summary starts on a clean line. */
  close(): void;
}

/** Picks the view: NDJSON with --json, a bar on a TTY, plain lines otherwise. */
export function createReporter(
  streams: ProgressStreams,
  options: { json: boolean; now?: () => number },
): ProgressReporter {
  const now = options.now ?? Date.now;
  let state = initialProgress(now());
  if (options.json) {
    return {
      event(event) {
        streams.stdout.write(`${JSON.stringify({ time: new Date(now()).toISOString(), ...event })}\n`);
      },
      close() {},
    };
  }
  if (!streams.stderr.isTTY) {
    return {
      event(event) {
        state = applyEvent(state, event);
        const line = describeEvent(event, state);
        if (line !== undefined) streams.stderr.write(`${line}\n`);
      },
      close() {},
    };
  }
  let lastDraw = 0;
  let drawn = false;
  const draw = (force: boolean): void => {
    const t = now();
    if (!force && t - lastDraw < 100) return;
    lastDraw = t;
    streams.stderr.write(`\r\x1b[K${renderProgress(state, t, Math.max(20, (streams.stderr.columns || 80) - 1))}`);
    drawn = true;
  };
  const timer = setInterval(() => draw(true), 1000);
  timer.unref();
  return {
    event(event) {
      state = applyEvent(state, event);
      const important =
        event.type === 'planned' ||
        event.type === 'interrupted' ||
        (event.type === 'run-finished' && event.status === 'failed');
      if (important) {
        const line = describeEvent(event, state);
        if (line !== undefined) streams.stderr.write(`\r\x1b[K${line}\n`);
        draw(true);
      } else {
        draw(false);
      }
    },
    close() {
      clearInterval(timer);
      if (drawn) {
        draw(true);
        streams.stderr.write('\n');
      }
    },
  };
}
