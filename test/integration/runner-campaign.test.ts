// A 500-run campaign over 4 runner processes on real NATS and the MongoDB-wire
// server: planned by the runners themselves, every run stored exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFile } from 'node:fs/promises';
import { readCampaignProgress } from '../../lib/store/progress.ts';
import { RESULTS_BUCKET, runsOf, scalarsOf } from '../../lib/store/store.ts';
import { useStack } from '../stack/env.ts';
import { setupCampaign, type Campaign } from '../support/runner-harness.ts';

describe('a 500-run campaign over 4 runners', { timeout: 300_000 }, () => {
  let c: Campaign;
  let exits: Array<{ code: number | null }> = [];
  let seconds = 0;

  before(async () => {
    const stack = await useStack();
    c = await setupCampaign(stack, { iniConfig: 'Fast' });
    const started = Date.now();
    const runners = Array.from({ length: 4 }, () => c.startRunner());
    exits = await Promise.all(runners.map((r) => r.exited));
    seconds = (Date.now() - started) / 1000;
    if (exits.some((e) => e.code !== 0)) {
      for (const r of runners) process.stderr.write(`--- ${r.podName}\n${(await readFile(r.logFile, 'utf8')).slice(-3000)}\n`);
    }
  });
  after(async () => c?.close());

  it('has every runner exit 0 once the queue is drained', () => {
    assert.deepEqual(exits.map((e) => e.code), [0, 0, 0, 0]);
    process.stderr.write(`500 runs over 4 runners took ${seconds.toFixed(1)} s\n`);
  });

  it('stores all 500 runs exactly once, all succeeded with one result set each', async () => {
    const runs = await runsOf(c.db).find({ campaignUid: c.ref.campaignUid }).toArray();
    assert.equal(runs.length, 500);
    assert.deepEqual([...new Set(runs.map((r) => r.run))].sort((a, b) => a - b), Array.from({ length: 500 }, (_, i) => i));
    assert.ok(runs.every((r) => r.status === 'succeeded'), 'all succeeded');
    assert.ok(runs.every((r) => r.resultFiles?.length === 3), 'sca, vec and vci for every run');
    const files = await c.db.collection(`${RESULTS_BUCKET}.files`).countDocuments({ 'metadata.campaignUid': c.ref.campaignUid });
    assert.equal(files, 1500, 'no result file stored twice or orphaned');
    assert.deepEqual(runs.find((r) => r.run === 7)?.iterationVars, { i: '7' });
  });

  it('makes scalars queryable per run and by name', async () => {
    const perRun = await scalarsOf(c.db).find({ campaignUid: c.ref.campaignUid, run: 42 }).toArray();
    assert.ok(perRun.length > 0);
    const runNumber = perRun.find((s) => s.name === 'runNumber');
    assert.equal(runNumber?.value, 42);
    assert.deepEqual(runNumber?.iterationVars, { i: '42' });
    const byName = await scalarsOf(c.db).countDocuments({ campaignUid: c.ref.campaignUid, name: 'runNumber' });
    assert.equal(byName, 500);
  });

  it('publishes a started and a finished event per run for live progress', async () => {
    const info = await c.jsm.streams.info(c.names.eventsStream);
    assert.equal(info.state.messages, 1000);
  });

  it('reports complete progress with the plan total', async () => {
    const p = await readCampaignProgress(c.db, c.ref.campaignUid);
    assert.deepEqual({ total: p.total, pending: p.pending, running: p.running, succeeded: p.succeeded, failed: p.failed }, { total: 500, pending: 0, running: 0, succeeded: 500, failed: 0 });
    assert.equal(p.etaSeconds, 0);
  });
});
