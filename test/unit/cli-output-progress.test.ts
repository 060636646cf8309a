import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CampaignEvent } from '../../cli/output/events.ts';
import { applyEvent, describeEvent, initialProgress, renderProgress, type ProgressState } from '../../cli/output/progress.ts';

function fold(events: CampaignEvent[], startedAt = 0): ProgressState {
  return events.reduce(applyEvent, initialProgress(startedAt));
}

const finished = (run: number, status: 'succeeded' | 'failed'): CampaignEvent => ({
  type: 'run-finished',
  run,
  attempt: 1,
  status,
  reason: status === 'succeeded' ? 'Succeeded' : 'SimulationError',
  elapsedMs: 200,
  exitCode: status === 'succeeded' ? 0 : 1,
  errorLine: status === 'failed' ? 'Injected error at run #3' : undefined,
  files: [],
});

describe('progress', () => {
  it('counts succeeded, failed, running and retried runs from the events', () => {
    const state = fold([
      { type: 'planned', config: 'Errors', total: 10, parallelism: 2 },
      { type: 'run-started', run: 0, attempt: 1 },
      { type: 'run-started', run: 1, attempt: 1 },
      finished(0, 'succeeded'),
      { type: 'run-retrying', run: 1, attempt: 1, reason: 'Crashed', delayMs: 1000 },
      { type: 'run-started', run: 1, attempt: 2 },
      { type: 'run-started', run: 3, attempt: 1 },
      finished(3, 'failed'),
    ]);
    assert.deepEqual(
      { total: state.total, succeeded: state.succeeded, failed: state.failed, running: state.running, retries: state.retries },
      { total: 10, succeeded: 1, failed: 1, running: 1, retries: 1 },
    );
  });

  it('shows done/total, rate, ETA and failures in the bar', () => {
    const state = fold([{ type: 'planned', config: 'Short', total: 100, parallelism: 2 }, ...Array.from({ length: 40 }, (_, i) => finished(i, i === 7 ? 'failed' : 'succeeded'))]);
    const line = renderProgress(state, 10_000, 100);
    assert.match(line, /^\[#{12}\.{18}\]/);
    assert.match(line, / 40\/100 /);
    assert.match(line, /4\.0 runs\/s/);
    assert.match(line, /ETA 15\.0s/);
    assert.match(line, /failed 1/);
  });

  it('never draws wider than the terminal', () => {
    const state = fold([{ type: 'planned', config: 'Zero', total: 100000, parallelism: 64 }, finished(1, 'failed')]);
    for (const width of [20, 40, 79, 200]) assert.ok(renderProgress(state, 5000, width).length <= width);
  });

  it('describes a failed run with its reason and error line', () => {
    const event = finished(3, 'failed');
    const line = describeEvent(event, fold([{ type: 'planned', config: 'Errors', total: 10, parallelism: 2 }, event]));
    assert.equal(line, '[1/10] Run 3 failed after 1 attempt(s): SimulationError (Injected error at run #3)');
  });
});
