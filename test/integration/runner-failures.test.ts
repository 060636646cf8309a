// Failure classes on real servers (the failure table of lib/engine/decide.ts): a simulation
// error fails the run at once (unless retrySimulationErrors), a crash and a
// timeout are retried up to maxAttempts and then failed with their reason; a
// run that crashes once and then succeeds is stored as succeeded; every
// finished run, failed or not, is one attempt's claimed outcome. Once with
// the simulations started by the launcher (as in the runner image), once by
// the runner's own spawn (a runner without a launcher).
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCampaignProgress } from '../../lib/store/progress.ts';
import { RESULTS_BUCKET, RUN_WINNERS, runsOf, type RunDoc, type RunWinnerDoc } from '../../lib/store/store.ts';
import { useStack } from '../stack/env.ts';
import { setupCampaign, type Campaign } from '../support/runner-harness.ts';

interface Case {
  campaign: Campaign;
  exit: { code: number | null };
  runs: Map<number, RunDoc>;
}

const spawnPaths = { launcher: {}, 'runner spawn': { launcher: undefined } } as const;

async function runToEnd(c: Campaign, env: Record<string, string> = {}): Promise<Case> {
  const exit = await c.startRunner(undefined, env).exited;
  const docs = await runsOf(c.db).find({ campaignUid: c.ref.campaignUid }).toArray();
  return { campaign: c, exit, runs: new Map(docs.map((d) => [d.run, d])) };
}

for (const [spawnPath, runner] of Object.entries(spawnPaths)) describe(`runner failure classes (${spawnPath})`, { timeout: 240_000 }, () => {
  const cases: Record<string, Case> = {};

  before(async () => {
    const stack = await useStack();
    const attemptDir = await mkdtemp(join(tmpdir(), 'oppsim-attempts-'));
    const [errors, errorsRetried, crash, hang, flaky, mixed] = await Promise.all([
      setupCampaign(stack, { iniConfig: 'Errors', runner }),
      setupCampaign(stack, { iniConfig: 'Errors', policy: { retrySimulationErrors: true, maxAttempts: 2 }, runner }),
      setupCampaign(stack, { iniConfig: 'Crash', runner }),
      setupCampaign(stack, { iniConfig: 'Hang', policy: { runTimeoutMs: 1500 }, runner }),
      setupCampaign(stack, { iniConfig: 'Flaky', runner }),
      setupCampaign(stack, { iniConfig: 'MixedErrors', runner }),
    ]);
    const done = await Promise.all([
      runToEnd(errors),
      runToEnd(errorsRetried),
      runToEnd(crash),
      runToEnd(hang),
      runToEnd(flaky, { OPPSIM_ATTEMPT_DIR: attemptDir }),
      runToEnd(mixed),
    ]);
    [cases.errors, cases.errorsRetried, cases.crash, cases.hang, cases.flaky, cases.mixed] = done;
  });
  after(async () => {
    await Promise.all(Object.values(cases).map((c) => c.campaign.close()));
  });

  it('exits 0 once every campaign is drained, failures included', () => {
    for (const [name, c] of Object.entries(cases)) assert.equal(c.exit.code, 0, name);
  });

  it('fails a simulation error on its first attempt with the error line recorded', () => {
    const { runs } = cases.errors!;
    assert.equal(runs.size, 10);
    for (const n of [3, 7]) {
      const r = runs.get(n)!;
      assert.equal(r.status, 'failed');
      assert.equal(r.reason, 'SimulationError');
      assert.equal(r.attempts, 1);
      assert.equal(r.exitCode, 1);
      assert.match(r.errorLine ?? '', new RegExp(`Injected error at run #${n}`));
    }
    const ok = [...runs.values()].filter((r) => r.status === 'succeeded').map((r) => r.run);
    assert.deepEqual(ok.sort((a, b) => a - b), [0, 1, 2, 4, 5, 6, 8, 9]);
  });

  it('fails a model error whose line went to the .out (stderr only points there) as SimulationError, once, with its line', () => {
    const { runs } = cases.mixed!;
    const r = runs.get(1)!;
    assert.match(r.outputTail ?? '', /<!> Error -- see .*MixedErrors-n=-1-#0\.out for details/, 'stderr held only the pointer');
    assert.deepEqual(
      { status: r.status, reason: r.reason, attempts: r.attempts, exitCode: r.exitCode, errorLine: r.errorLine },
      { status: 'failed', reason: 'SimulationError', attempts: 1, exitCode: 1, errorLine: 'vector::_M_default_append' },
    );
    assert.deepEqual(r.attemptHistory?.map((a) => a.reason), ['SimulationError']);
    assert.deepEqual([runs.get(0)?.status, runs.get(2)?.status], ['succeeded', 'succeeded']);
    assert.deepEqual([r.iterationVars, r.repetition, r.seedSet], [{ n: '-1' }, 0, undefined], 'the failed run is known by what it simulates, from the plan');
    const ok = runs.get(2)!;
    assert.deepEqual([ok.iterationVars, ok.repetition, ok.seedSet], [{ n: '7' }, 0, 2], "a succeeded run's identity has its .sca's seed set too");
    // What `logs --run 1` tells the user to paste: that one run, its results where the ini puts them, without the runner's scratch folder.
    assert.match(r.command ?? '', /(^|\s)-c MixedErrors .*-r 1$/, `the runner recorded the run's command: ${r.command}`);
  });

  it('retries a simulation error when the campaign asks for it, up to maxAttempts', () => {
    const r = cases.errorsRetried!.runs.get(3)!;
    assert.equal(r.status, 'failed');
    assert.equal(r.reason, 'SimulationError');
    assert.equal(r.attempts, 2);
    assert.deepEqual(r.attemptHistory?.map((a) => a.reason), ['SimulationError', 'SimulationError']);
  });

  it('retries a crash up to maxAttempts, then fails it as Crashed with the signal', () => {
    const r = cases.crash!.runs.get(1)!;
    assert.equal(r.status, 'failed');
    assert.equal(r.reason, 'Crashed');
    assert.equal(r.signal, 'SIGSEGV');
    assert.equal(r.attempts, 3);
    assert.equal(r.attemptHistory?.length, 3);
    assert.ok([0, 2, 3].every((n) => cases.crash!.runs.get(n)?.status === 'succeeded'));
  });

  it('stops a hanging run at the timeout, retries it, then fails it as TimedOut', () => {
    const r = cases.hang!.runs.get(2)!;
    assert.equal(r.status, 'failed');
    assert.equal(r.reason, 'TimedOut');
    assert.equal(r.attempts, 3);
    assert.ok((r.elapsedMs ?? 0) >= 1500 && (r.elapsedMs ?? 0) < 10_000, `elapsed ${r.elapsedMs}`);
    assert.ok([0, 1, 3].every((n) => cases.hang!.runs.get(n)?.status === 'succeeded'));
  });

  it('stores a run that crashed once and then succeeded as succeeded on its second attempt', () => {
    for (const r of cases.flaky!.runs.values()) {
      assert.equal(r.status, 'succeeded', `run ${r.run}`);
      assert.equal(r.attempts, 2, `run ${r.run}`);
      assert.deepEqual(r.attemptHistory?.map((a) => a.reason), ['Crashed', 'Succeeded']);
      assert.equal(r.resultFiles?.length, 3);
    }
  });

  it("records every finished run as one attempt's: the winner's token on the record, its history entry, its files and its claim", async () => {
    for (const c of [cases.flaky!, cases.errors!, cases.crash!]) {
      const { db, ref } = c.campaign;
      const files = await db.collection(`${RESULTS_BUCKET}.files`).find({ 'metadata.campaignUid': ref.campaignUid }).toArray();
      const claims = new Map((await db.collection<RunWinnerDoc>(RUN_WINNERS).find({ campaignUid: ref.campaignUid }).toArray()).map((m) => [m.run, m]));
      for (const r of c.runs.values()) {
        const token = r.winnerToken;
        assert.ok(token, `run ${r.run} (${r.status}) names its winner`);
        assert.equal(r.attemptHistory?.at(-1)?.token, token, `run ${r.run}: its last history entry is the winner's`);
        assert.deepEqual([claims.get(r.run)?.token, claims.get(r.run)?.outcome.status], [token, r.status], `run ${r.run}: its claim`);
        const own = files.filter((f) => f.metadata.run === r.run);
        assert.equal(own.length, r.resultFiles?.length ?? 0, `run ${r.run}: only the files its record names are stored`);
        assert.ok(own.every((f) => f.metadata.token === token), `run ${r.run}: its files carry the winner's token`);
      }
    }
  });

  it('lists failed runs with their reasons in the campaign progress', async () => {
    const p = await readCampaignProgress(cases.errors!.campaign.db, cases.errors!.campaign.ref.campaignUid);
    assert.deepEqual({ total: p.total, succeeded: p.succeeded, failed: p.failed, pending: p.pending }, { total: 10, succeeded: 8, failed: 2, pending: 0 });
    assert.deepEqual(p.failedRuns.map((f) => [f.run, f.exitCode, f.reason]), [[3, 1, 'SimulationError'], [7, 1, 'SimulationError']]);
    assert.match(p.failedRuns[0]!.message, /Injected error at run #3/);
  });
});
