import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../cli/errors.ts';
import { formatDuration, parseCount, parseDuration } from '../../cli/options.ts';
import type { CampaignEvent, CampaignSummary } from '../../cli/output/events.ts';
import { applyEvent, describeEvent, initialProgress, renderProgress, type ProgressState } from '../../cli/output/progress.ts';
import { formatSummary } from '../../cli/output/summary.ts';
import { runExitCode } from '../../cli/commands/run.ts';

describe('parseDuration', () => {
  const cases: Array<[string, number]> = [
    ['30', 30_000],
    ['0', 0],
    ['1.5', 1500],
    ['500ms', 500],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2m30s', 150_000],
  ];
  for (const [text, ms] of cases) it(`reads ${text} as ${ms} ms`, () => assert.equal(parseDuration(text), ms));

  for (const bad of ['', 'soon', '5x', '-3s', '1h 30m', 's']) {
    it(`rejects ${JSON.stringify(bad)} as a usage error`, () => assert.throws(() => parseDuration(bad, '--run-timeout'), UsageError));
  }
});

describe('parseCount', () => {
  it('reads whole numbers', () => assert.equal(parseCount('16', '-j'), 16));
  for (const bad of ['0', '-1', '2.5', 'four', '']) {
    it(`rejects ${JSON.stringify(bad)} with the option in the message`, () =>
      assert.throws(() => parseCount(bad, '--jobs'), (err: Error) => err instanceof UsageError && /--jobs/.test(err.message)));
  }
});

describe('formatDuration', () => {
  const cases: Array<[number, string]> = [
    [850, '850ms'],
    [12_340, '12.3s'],
    [245_000, '4m05s'],
    [7_380_000, '2h03m'],
  ];
  for (const [ms, text] of cases) it(`formats ${ms} ms as ${text}`, () => assert.equal(formatDuration(ms), text));
});

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

const summary: CampaignSummary = {
  mode: 'local',
  config: 'Errors',
  total: 10,
  succeeded: 8,
  failed: [
    { run: 3, attempts: 1, reason: 'SimulationError', exitCode: 1, errorLine: 'Injected error at run #3' },
    { run: 7, attempts: 3, reason: 'TimedOut', exitCode: null },
  ],
  notRun: 0,
  interrupted: false,
  elapsedMs: 1234,
  parallelism: 2,
  outDir: 'results',
  files: 32,
};

describe('formatSummary', () => {
  it('lists counts, elapsed time, every failed run with its error line, and the results folder', () => {
    assert.equal(
      formatSummary(summary),
      'Config Errors: 10 runs, 8 succeeded, 2 failed in 1.2s (2 workers)\n' +
        'Failed runs:\n' +
        '  run 3: SimulationError, exit code 1, 1 attempt(s): Injected error at run #3\n' +
        '  run 7: TimedOut, exit code -, 3 attempt(s)\n' +
        'Results: 32 files in results\n',
    );
  });

  it('says when the campaign was cancelled and how many runs never ran', () => {
    assert.match(formatSummary({ ...summary, failed: [], succeeded: 4, notRun: 6, interrupted: true }), /^Cancelled\. .*6 not run/);
  });
});

describe('runExitCode', () => {
  const cases: Array<[string, Partial<CampaignSummary>, number]> = [
    ['exits 0 when every run succeeded', { failed: [], succeeded: 10 }, 0],
    ['exits 1 when runs failed', {}, 1],
    ['exits 130 when cancelled with Ctrl-C', { interrupted: true, notRun: 3 }, 130],
  ];
  for (const [name, change, code] of cases) {
    it(name, () => assert.equal(runExitCode({ kind: 'local', summary: { ...summary, ...change }, notes: [] }), code));
  }
});
