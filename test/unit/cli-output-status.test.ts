import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { statusView } from '../../cli/data/status.ts';
import { formatStatus, statusReporter } from '../../cli/output/status.ts';
import { campaignFixture as campaign } from '../support/cli-fixtures.ts';

describe('formatStatus', () => {
  const now = new Date('2026-11-21T21:10:00Z');
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

const watched = (phase: string, succeeded: number, total?: number): SimulationCampaign =>
  ({
    apiVersion: 'inetswarm.dev/v1alpha1',
    kind: 'SimulationCampaign',
    metadata: { name: 'c', namespace: 'n', uid: 'u' },
    spec: { buildRef: { name: 'b' }, config: 'Aloha' },
    status: { phase, runs: { total, succeeded, failed: 0 }, startTime: '2026-11-21T21:00:00Z' },
  }) as SimulationCampaign;

function streams(isTTY: boolean): { stdout: PassThrough; stderr: PassThrough & { isTTY?: boolean; columns?: number }; text: () => { out: string; err: string } } {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY, columns: 80 });
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  return { stdout, stderr, text: () => ({ out, err }) };
}

const now = () => new Date('2026-11-21T21:00:10Z');

describe('statusReporter', () => {
  it('prints one plain line per change without a TTY and skips repeats', () => {
    const s = streams(false);
    const r = statusReporter(s, false, now);
    r.show(watched('Building', 0));
    r.show(watched('Running', 2, 6));
    r.show(watched('Running', 2, 6));
    r.show(watched('Succeeded', 6, 6));
    r.close();
    assert.deepEqual(s.text().err.trim().split('\n'), [
      'Building: 0/? done, 0 failed, 0 running',
      'Running: 2/6 done, 0 failed, 0 running',
      'Succeeded: 6/6 done, 0 failed, 0 running',
    ]);
    assert.equal(s.text().out, '');
  });

  it('writes NDJSON status events on stdout with --json', () => {
    const s = streams(true);
    const r = statusReporter(s, true, now);
    r.show(watched('Running', 3, 6));
    const event = JSON.parse(s.text().out) as { type: string; phase: string; succeeded: number; total: number };
    assert.deepEqual([event.type, event.phase, event.succeeded, event.total], ['status', 'Running', 3, 6]);
    assert.equal(s.text().err, '');
  });

  it('redraws a progress bar on a TTY once the total is known', () => {
    const s = streams(true);
    const r = statusReporter(s, false, now);
    r.show(watched('Running', 3, 6));
    r.close();
    const err = s.text().err;
    assert.ok(err.startsWith('\r\u001b[K'), 'the line is cleared before each redraw');
    assert.match(err.slice(4), /^\[#+\.+\]\s+3\/6 .*\n$/);
  });
});
