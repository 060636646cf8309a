import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CampaignSummary } from '../../cli/output/events.ts';
import { clusterSummary, noRunsNotes, normalizeRunOptions, planFailureHint, runExitCode } from '../../cli/data/run.ts';
import type { CampaignStatusView } from '../../cli/data/status.ts';
import { summaryFixture as summary } from '../support/cli-fixtures.ts';

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

describe('planFailureHint', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['tells to set up OMNeT++ when opp_run is missing', 'spawn opp_run ENOENT', 'opp_run', /opp_run is not on the PATH/],
    ['tells to build a standalone model whose executable is missing', 'spawn ./oppsim ENOENT', './oppsim', /build the model first/],
    ['adds nothing to other failures', 'exited with code 1', 'opp_run', /^$/],
  ];
  for (const [name, message, executable, hint] of cases) it(name, () => assert.match(planFailureHint(message, executable), hint));
});

describe('noRunsNotes', () => {
  it('says nothing when runs were planned', () => assert.deepEqual(noRunsNotes([0], { config: 'A', runFilter: undefined }), []));
  it('names the config and the filter that select no run', () =>
    assert.deepEqual(noRunsNotes([], { config: 'A', runFilter: '$x>9' }), ['No run of config A matches the filter $x>9; nothing to do.']));
});

describe('normalizeRunOptions', () => {
  it('runs on every core with --local and leaves the cluster its default parallelism otherwise', () => {
    assert.equal(normalizeRunOptions({ local: true }, 8).jobs, 8);
    assert.equal(normalizeRunOptions({}, 8).jobs, undefined);
  });
});

describe('clusterSummary', () => {
  const view = { ...summaryView(), total: 10, succeeded: 6, failed: 1 };
  const progress = { parallelism: 4, elapsedMs: 5000, outDir: '/r' };
  it('counts the runs not finished when the user detached', () => {
    const s = clusterSummary(view, progress, undefined);
    assert.deepEqual([s.interrupted, s.notRun, s.failed.length, s.files], [true, 3, 0, 0]);
  });
  it('takes the failed runs from the store once the campaign finished', () => {
    const failed = [{ run: 3, attempts: 1, reason: 'SimulationError' as const, exitCode: 1 }, { run: 5, attempts: 3, reason: 'TimedOut' as const, exitCode: null }];
    const s = clusterSummary(view, progress, { failed, files: 24 });
    assert.deepEqual([s.interrupted, s.notRun, s.failed.length, s.files, s.mode], [false, 2, 2, 24, 'cluster']);
  });
});

function summaryView(): CampaignStatusView {
  return { namespace: 'n', name: 'c', uid: 'u', config: 'Aloha', build: 'b', phase: 'Running', total: undefined, pending: 0, running: 0, succeeded: 0, failed: 0, runners: 0, failedRuns: [] };
}
