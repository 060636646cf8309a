import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import {
  campaignRow,
  clusterServiceOf,
  compressRuns,
  csvLine,
  expandRunList,
  formatAge,
  formatCampaignList,
  formatStatus,
  localUri,
  parseVciHeader,
  pickRunSources,
  rerunName,
  runsToRerun,
  scalarColumns,
  statusView,
} from '../../cli/campaign/decide.ts';

describe('parseVciHeader', () => {
  const cases: Array<[string, string, { size: number; mtime: number } | undefined]> = [
    ['reads the size and mtime of the first line', 'file 4096 1700000000\nversion 3\n', { size: 4096, mtime: 1700000000 }],
    ['accepts a header without a newline', 'file 12 34', { size: 12, mtime: 34 }],
    ['ignores a header that is not on the first line', 'version 3\nfile 1 2\n', undefined],
    ['rejects a header with a missing field', 'file 4096\n', undefined],
  ];
  for (const [name, text, expected] of cases) it(name, () => assert.deepEqual(parseVciHeader(text), expected));
});

describe('compressRuns and expandRunList', () => {
  const cases: Array<[string, number[], string]> = [
    ['collapses consecutive runs into ranges', [1, 2, 3, 7], '1..3,7'],
    ['keeps two neighbours as a list', [4, 5], '4,5'],
    ['sorts and deduplicates', [9, 0, 9, 1, 2], '0..2,9'],
    ['gives an empty filter for no runs', [], ''],
  ];
  for (const [name, runs, text] of cases) it(name, () => assert.equal(compressRuns(runs), text));

  it('expands what compressRuns writes back to the same runs', () => {
    assert.deepEqual(expandRunList(compressRuns([0, 1, 2, 5, 8, 9, 10])), [0, 1, 2, 5, 8, 9, 10]);
  });
  it('expands dash ranges and spaces as opp_run does', () => assert.deepEqual(expandRunList(' 1-3 , 6'), [1, 2, 3, 6]));
  it('returns undefined for an expression filter', () => assert.equal(expandRunList('$numHosts>10'), undefined));
});

describe('runsToRerun', () => {
  const cases: Array<[string, Parameters<typeof runsToRerun>[0], { runs: number[]; complete: boolean }]> = [
    ['reruns failed and never-started runs of a whole config', { total: 6, runFilter: undefined, succeeded: [0, 2, 3], recorded: [0, 1, 2, 3] }, { runs: [1, 4, 5], complete: true }],
    ['reruns within a run list filter only', { total: 3, runFilter: '10..12', succeeded: [11], recorded: [10, 11] }, { runs: [10, 12], complete: true }],
    ['reruns only recorded runs for an expression filter', { total: 4, runFilter: '$x>1', succeeded: [3], recorded: [3, 7] }, { runs: [7], complete: false }],
    ['reruns nothing when every run succeeded', { total: 2, runFilter: undefined, succeeded: [0, 1], recorded: [0, 1] }, { runs: [], complete: true }],
  ];
  for (const [name, input, expected] of cases) it(name, () => assert.deepEqual(runsToRerun(input), expected));
});

describe('pickRunSources', () => {
  it('takes each run from the latest campaign that succeeded it', () => {
    const chosen = pickRunSources([
      { uid: 'a', succeeded: [0, 1, 3] },
      { uid: 'b', succeeded: [2, 3] },
    ]);
    assert.deepEqual([...chosen].sort((x, y) => x[0] - y[0]), [
      [0, 'a'],
      [1, 'a'],
      [2, 'b'],
      [3, 'b'],
    ]);
  });
});

describe('rerunName', () => {
  const now = new Date('2026-11-21T21:30:05Z');
  it('appends the time to the original name', () => assert.equal(rerunName('aloha-20261121-204500', now), 'aloha-20261121-204500-rerun-213005'));
  it('does not stack rerun suffixes', () => assert.equal(rerunName('aloha-rerun-120000', now), 'aloha-rerun-213005'));
  it('stays within 47 characters', () => assert.ok(rerunName('x'.repeat(52), now).length <= 47));
});

describe('csvLine and scalarColumns', () => {
  it('quotes fields with commas, quotes or newlines', () => assert.equal(csvLine(['a,b', 'say "hi"', 3.5, 'plain']), '"a,b","say ""hi""",3.5,plain\n'));
  it('puts the run, the sorted iteration variables, then module, name and value', () =>
    assert.deepEqual(scalarColumns(['numHosts', 'iaMean']), ['run', 'iaMean', 'numHosts', 'module', 'name', 'value']));
});

describe('formatAge', () => {
  const cases: Array<[number, string]> = [
    [45_000, '45s'],
    [12 * 60_000, '12m'],
    [5 * 3_600_000, '5h'],
    [3 * 86_400_000, '3d'],
    [-1, '?'],
  ];
  for (const [ms, text] of cases) it(`prints ${ms} ms as ${text}`, () => assert.equal(formatAge(ms), text));
});

const campaign = (status: SimulationCampaign['status']): SimulationCampaign => ({
  apiVersion: 'inetswarm.dev/v1alpha1',
  kind: 'SimulationCampaign',
  metadata: { name: 'aloha-1', namespace: 'team', uid: 'u1', creationTimestamp: '2026-11-21T21:00:00Z' as unknown as Date },
  spec: { buildRef: { name: 'inet-abc' }, config: 'Aloha' },
  ...(status ? { status } : {}),
});

describe('list and status text', () => {
  const now = new Date('2026-11-21T21:10:00Z');
  it('shows done/total, failures, build and age in a list row', () => {
    const row = campaignRow(campaign({ phase: 'Running', runs: { total: 42, succeeded: 10, failed: 2 } }), now);
    assert.deepEqual(row, { namespace: 'team', name: 'aloha-1', phase: 'Running', done: '12/42', failed: 2, build: 'inet-abc', age: '10m' });
  });
  it('shows a campaign without status as Pending with an unknown total', () => {
    const row = campaignRow(campaign(undefined), now);
    assert.equal(row.phase, 'Pending');
    assert.equal(row.done, '0/?');
  });
  it('adds a NAMESPACE column for all namespaces', () => {
    const text = formatCampaignList([campaignRow(campaign(undefined), now)], true);
    assert.match(text.split('\n')[0] ?? '', /^NAMESPACE\s+NAME\s+PHASE\s+DONE\s+FAILED\s+BUILD\s+AGE$/);
    assert.match(text.split('\n')[1] ?? '', /^team\s+aloha-1\s+Pending\s+0\/\?\s+0\s+inet-abc\s+10m$/);
  });
  it('lists failed runs with their error lines in the status', () => {
    const text = formatStatus(
      statusView(
        campaign({
          phase: 'Failed',
          runs: { total: 10, succeeded: 7, failed: 3 },
          failedRuns: [{ run: 3, exitCode: 1, reason: 'SimulationError', message: '<!> Error: boom' }],
          startTime: '2026-11-21T21:00:00Z',
          completionTime: '2026-11-21T21:01:00Z',
        }),
      ),
      now,
    );
    assert.match(text, /Runs:\s+10\/10 done, 7 succeeded, 3 failed/);
    assert.match(text, /Failed runs \(first 1 of 3\):\n {2}run 3: SimulationError, exit code 1: <!> Error: boom/);
    assert.match(text, /Elapsed:\s+1m00s/);
  });
});

describe('clusterServiceOf and localUri', () => {
  const cases: Array<[string, string, ReturnType<typeof clusterServiceOf>]> = [
    ['mongodb://u:p@inet-swarm-mongodb.inet-swarm-system.svc:27017/inetswarm', 'full service DNS name', { service: 'inet-swarm-mongodb', namespace: 'inet-swarm-system', port: 27017 }],
    ['mongodb://mongo.db.svc.cluster.local/x', 'cluster.local name with the default port', { service: 'mongo', namespace: 'db', port: 27017 }],
    ['mongodb://mongo:27018', 'a bare service name in the current namespace', { service: 'mongo', namespace: 'team', port: 27018 }],
    ['mongodb://127.0.0.1:27017', 'an IP address (not a service)', undefined],
    ['mongodb+srv://cluster0.example.mongodb.net/db', 'an external SRV URI', undefined],
    ['mongodb://db.example.com:27017', 'an external host name', undefined],
  ];
  for (const [uri, what, expected] of cases) it(`recognises ${what}`, () => assert.deepEqual(clusterServiceOf(uri, 'team'), expected));

  it('points a URI at the local forward and keeps credentials and options', () => {
    assert.equal(
      localUri('mongodb://u:p@mongo.db.svc:27017/inetswarm?authSource=admin&replicaSet=rs0', 4000),
      'mongodb://u:p@127.0.0.1:4000/inetswarm?authSource=admin&directConnection=true',
    );
    assert.equal(localUri('mongodb://mongo:27017', 4000), 'mongodb://127.0.0.1:4000/?directConnection=true');
  });
});
