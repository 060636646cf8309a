// Chaos: a 2,000-run campaign while a random runner is SIGKILLed every second
// (and replaced), nats-server is restarted once and the MongoDB-wire server
// once. No run may be lost, none stored twice, every run accounted for. The
// test owns its servers (startNats/startMongo) so it can restart them.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectId } from 'mongodb';
import { RESULTS_BUCKET, runsOf, scalarsOf, type RunDoc } from '../../lib/store/store.ts';
import { startMongo, type MongoServer } from '../stack/servers/mongo.ts';
import { startNats, type NatsServer } from '../stack/servers/nats.ts';
import { killOnExit, setupCampaign, type Campaign, type Runner } from '../support/runner-harness.ts';
import { eventually } from '../support/eventually.ts';

// INETSWARM_CHAOS_RUNS=500 runs a shorter campaign (a run filter on the same config) on a busy machine.
const TOTAL = Number(process.env.INETSWARM_CHAOS_RUNS ?? 2000);
const RUNNERS = 6;

// Time limits are generous: on 2 shared cores the campaign under chaos has taken from 40 s to over 600 s.
describe(`chaos during a ${TOTAL}-run campaign`, { timeout: 1_800_000 }, () => {
  let nats: NatsServer;
  let mongo: MongoServer;
  let c: Campaign;
  let runs: RunDoc[] = [];
  let kills = 0;
  let seconds = 0;
  const restarts: string[] = [];
  let dir = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runner-chaos-'));
    [nats, mongo] = await Promise.all([startNats({ dir }), startMongo({ dir })]);
    killOnExit(() => void Promise.all([nats.kill(), mongo.kill()]));
    c = await setupCampaign(
      { nats: { url: nats.url, creds: nats.creds, signer: nats.signer }, mongo: { uri: mongo.uri } },
      {
        iniConfig: 'Zero',
        // Enough attempts that kills and restarts (each may cost a run one attempt) never exhaust a run.
        policy: { maxAttempts: 20 },
        // A killed runner's task comes back after AckWait: keep it short for the test's duration.
        runner: { simulation: { executable: './oppsim', workingDir: '.', iniFiles: ['omnetpp.ini'], config: 'Zero', runFilter: `0..${TOTAL - 1}` }, ackWaitMs: 3000, heartbeatMs: 1000, drainGraceMs: 3000, connectTimeoutMs: 60_000, results: { include: ['*.sca', '*.vec', '*.vci'], storeScalars: true } },
      },
    );
    const started = Date.now();
    const live: Runner[] = Array.from({ length: RUNNERS }, () => c.startRunner());
    const done = async () => (await runsOf(c.db).countDocuments({ campaignUid: c.ref.campaignUid, status: { $in: ['succeeded', 'failed'] } }).catch(() => 0));

    let finished = 0;
    let ticks = 0;
    while (finished < TOTAL && Date.now() - started < 1_200_000) {
      await sleep(1000);
      finished = await done();
      // Progress on stderr: this is the suite's longest test.
      if (++ticks % 30 === 0) process.stderr.write(`chaos: ${((Date.now() - started) / 1000).toFixed(0)} s, ${finished}/${TOTAL} runs finished, ${kills} kills\n`);
      if (!restarts.includes('nats') && finished >= TOTAL * 0.25) {
        await nats.restart();
        restarts.push('nats');
      } else if (!restarts.includes('mongo') && finished >= TOTAL * 0.5) {
        await mongo.restart();
        restarts.push('mongo');
      }
      // Kill a random working runner and start a new one in its place. A
      // runner still booting is spared: on a busy machine booting can take
      // seconds, and killing it would test nothing new.
      const ready = live.map((r, i) => (r.ready ? i : -1)).filter((i) => i >= 0);
      if (ready.length === 0) continue;
      const i = ready[Math.floor(Math.random() * ready.length)]!;
      live[i]!.child.kill('SIGKILL');
      kills++;
      live[i] = c.startRunner();
    }
    // No more chaos: the remaining runners drain the queue and exit 0.
    await eventually('the runners to drain and exit', async () => (live.every((r) => r.child.exitCode !== null) ? true : undefined), 240_000, 500);
    seconds = (Date.now() - started) / 1000;
    runs = await runsOf(c.db).find({ campaignUid: c.ref.campaignUid }).toArray();
  }, { timeout: 1_700_000 });
  after(async () => {
    await c?.close();
    await Promise.all([nats?.stop(), mongo?.stop()]);
    if (dir && process.env.INETSWARM_TEST_KEEP !== '1') await rm(dir, { recursive: true, force: true });
  });

  it('went through the chaos it promises', () => {
    const retried = runs.filter((r) => r.attempts > 1).length;
    process.stderr.write(`chaos: ${TOTAL} runs in ${seconds.toFixed(0)} s, ${kills} runner kills, ${retried} runs took more than one attempt, restarts: ${restarts.join(', ')}\n`);
    assert.deepEqual(restarts, ['nats', 'mongo']);
    assert.ok(kills >= 5, `${kills} kills`);
  });

  it('accounts for every run exactly once, all succeeded', () => {
    assert.equal(runs.length, TOTAL);
    const numbers = new Set(runs.map((r) => r.run));
    assert.equal(numbers.size, TOTAL);
    const notOk = runs.filter((r) => r.status !== 'succeeded').map((r) => `${r.run}:${r.status}:${r.reason}`);
    assert.deepEqual(notOk, []);
  });

  it('stores one result set per run and no result file that no run references', async () => {
    assert.ok(runs.every((r) => r.resultFiles?.length === 3), 'three files per run');
    const referenced = new Set(runs.flatMap((r) => r.resultFiles!.map((f) => String(f.gridfsId))));
    const stored = await c.db.collection(`${RESULTS_BUCKET}.files`).find({ 'metadata.campaignUid': c.ref.campaignUid }).toArray();
    const storedIds = new Set(stored.map((d) => String(d._id as ObjectId)));
    const missing = [...referenced].filter((id) => !storedIds.has(id));
    assert.deepEqual(missing, [], 'every referenced file exists');
    // A runner killed between upload and its run's flip leaves files that the
    // winning attempt or the final sweep deletes.
    const byRun = new Map(runs.map((r) => [r.run, r]));
    const orphans = stored
      .filter((d) => !referenced.has(String(d._id as ObjectId)))
      .map((d) => `run ${d.metadata.run} attempt ${d.metadata.attempt} (won: attempt ${byRun.get(d.metadata.run)?.attemptHistory?.at(-1)?.attempt})`);
    assert.deepEqual(orphans, [], 'no file stored twice');
  });

  it('stores each run\'s scalars once', async () => {
    assert.equal(await scalarsOf(c.db).countDocuments({ campaignUid: c.ref.campaignUid, name: 'runNumber' }), TOTAL);
  });
});
