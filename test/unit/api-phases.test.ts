import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildPhaseRank, isFinalCampaign, isTerminalBuildPhase, isTerminalCampaignPhase } from '../../api/phases.ts';
import { CAMPAIGN_PHASES, INET_BUILD_PHASES, type CampaignPhase, type InetBuildPhase } from '../../api/v1alpha1.ts';

describe('isTerminalCampaignPhase', () => {
  const terminal: CampaignPhase[] = ['Succeeded', 'Failed', 'Cancelled'];
  for (const phase of CAMPAIGN_PHASES) {
    const expected = terminal.includes(phase);
    it(`${expected ? 'counts' : 'does not count'} ${phase} as terminal`, () => assert.equal(isTerminalCampaignPhase(phase), expected));
  }
  it('does not count an absent phase or an unknown string as terminal', () => {
    assert.equal(isTerminalCampaignPhase(undefined), false);
    assert.equal(isTerminalCampaignPhase('Done'), false);
  });
});

describe('isFinalCampaign', () => {
  const table: { name: string; status: { phase?: CampaignPhase; completionTime?: string } | undefined; expected: boolean }[] = [
    { name: 'a campaign without status is not final', status: undefined, expected: false },
    { name: 'a succeeded campaign with a completion time is final', status: { phase: 'Succeeded', completionTime: '2026-01-01T12:00:00Z' }, expected: true },
    { name: 'a cancelled campaign with a completion time is final', status: { phase: 'Cancelled', completionTime: '2026-01-01T12:00:00Z' }, expected: true },
    { name: 'a failed campaign without a completion time (its build is missing) is not final', status: { phase: 'Failed' }, expected: false },
    { name: 'a running campaign is not final, even with a completion time', status: { phase: 'Running', completionTime: '2026-01-01T12:00:00Z' }, expected: false },
    { name: 'a suspended campaign is not final', status: { phase: 'Suspended' }, expected: false },
  ];
  for (const row of table) it(row.name, () => assert.equal(isFinalCampaign(row.status), row.expected));
});

describe('isTerminalBuildPhase', () => {
  const table: [InetBuildPhase | undefined, boolean][] = [
    [undefined, false],
    ['Pending', false],
    ['Building', false],
    ['Succeeded', true],
    ['Failed', true],
  ];
  for (const [phase, expected] of table) it(`says ${expected} for ${phase ?? 'no phase'}`, () => assert.equal(isTerminalBuildPhase(phase), expected));
});

describe('buildPhaseRank', () => {
  it('orders the build phases Pending, Building, Succeeded, Failed', () => {
    assert.deepEqual(INET_BUILD_PHASES.map(buildPhaseRank), [0, 1, 2, 3]);
  });
  it('ranks an absent phase as Pending', () => assert.equal(buildPhaseRank(undefined), buildPhaseRank('Pending')));
});
