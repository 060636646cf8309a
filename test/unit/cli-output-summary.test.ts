import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSummary } from '../../cli/output/summary.ts';
import { summaryFixture as summary } from '../support/cli-fixtures.ts';

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

  it('ends the failed runs with the command that runs the first of them alone, when it is known', () => {
    const failed = [summary.failed[0]!, { ...summary.failed[1]!, command: 'opp_run -u Cmdenv -c Errors -f omnetpp.ini -r 7' }];
    const text = formatSummary({ ...summary, failed });
    const expected =
      '  run 7: TimedOut, exit code -, 3 attempt(s)\n' +
      "To run run 7 alone (from your checkout's root):\n" +
      '  opp_run -u Cmdenv -c Errors -f omnetpp.ini -r 7\n' +
      'Results: 32 files in results\n';
    assert.ok(text.endsWith(expected), text);
  });

  it('says what a failed run simulates, when the plan said', () => {
    const failed = [{ ...summary.failed[0]!, identity: { iterationVars: { n: '-1' }, repetition: 0 } }];
    assert.match(formatSummary({ ...summary, failed }), /^ {2}run 3 \(\$n=-1, \$repetition=0\): SimulationError, exit code 1/m);
  });

  it('says when the campaign was cancelled and how many runs never ran', () => {
    assert.match(formatSummary({ ...summary, failed: [], succeeded: 4, notRun: 6, interrupted: true }), /^Cancelled\. .*6 not run/);
  });
});
