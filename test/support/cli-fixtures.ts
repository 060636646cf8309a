// Objects the CLI's unit tests share: a campaign as the API returns it, the
// summary of a campaign with failed runs, and a finished campaign to rerun.
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import type { CampaignSummary } from '../../cli/output/events.ts';

/** Campaign aloha-1 of namespace team, created 2026-11-21T21:00:00Z, with `status` and any metadata changed. */
export function campaignFixture(status?: SimulationCampaign['status'], metadata: Partial<SimulationCampaign['metadata']> = {}): SimulationCampaign {
  return {
    apiVersion: 'inetswarm.dev/v1alpha1',
    kind: 'SimulationCampaign',
    metadata: { name: 'aloha-1', namespace: 'team', uid: 'u1', creationTimestamp: '2026-11-21T21:00:00Z' as unknown as Date, ...metadata },
    spec: { buildRef: { name: 'inet-abc' }, config: 'Aloha' },
    ...(status ? { status } : {}),
  };
}

/** A local campaign of 10 runs: 8 succeeded, run 3 failed with an error line, run 7 timed out. */
export const summaryFixture: CampaignSummary = {
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

/** A failed campaign of runs 0..9 with two failures, as `rerun` finds it. */
export const failedCampaignFixture: SimulationCampaign = {
  apiVersion: 'inetswarm.dev/v1alpha1',
  kind: 'SimulationCampaign',
  metadata: { name: 'errors-20261121-210000', namespace: 'team', uid: 'u2', resourceVersion: '77', labels: { 'inetswarm.dev/config': 'errors' } },
  spec: { buildRef: { name: 'inet-x' }, config: 'Errors', runFilter: '0..9', execution: { parallelism: 4 }, suspend: true },
  status: { phase: 'Failed', runs: { total: 10, succeeded: 8, failed: 2 } },
};
