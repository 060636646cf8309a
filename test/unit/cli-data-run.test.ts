import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CampaignSummary } from '../../cli/output/events.ts';
import { runExitCode } from '../../cli/data/run.ts';

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
