// The dashboard end to end, as a user opens it: chromium at the address
// `inet-swarm dashboard` prints, the CLI's proxy forwarding with the user's
// kubeconfig (a ServiceAccount that may read only its own namespace) to the
// stack's real API server, which proxies to the real results service reading
// a real campaign's store while the operator and runners work on it.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { useStack } from '../stack/env.ts';
import { artifactsDir, launchChromium } from '../support/browser.ts';
import { CampaignWorld, eventually } from '../support/campaign.ts';
import { cliEnv, spawnCli } from '../support/cli.ts';
import { campaignReader, startResultsService, type ResultsService } from '../support/results-service.ts';

let world: CampaignWorld;
let service: ResultsService;
let proxy: ChildProcess;
let browser: Browser;
let dashboard: string;
let dir: string;
let shots: string;

before(async () => {
  const stack = await useStack();
  world = new CampaignWorld(stack, 'dash-e2e');
  await world.setUp();
  await world.startOperator();
  await world.createReadyBuild('fixture');
  service = await startResultsService(stack, { INETSWARM_MONGO_DATABASE: world.database });
  dir = await mkdtemp(join(tmpdir(), 'dash-e2e-'));
  const kubeconfig = await campaignReader(stack, world.namespace, 'reader', dir);
  proxy = spawnCli(['dashboard'], { cwd: dir, env: cliEnv({ KUBECONFIG: kubeconfig }) });
  let out = '';
  proxy.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  dashboard = await eventually('inet-swarm dashboard prints its address', () => /http:\/\/127\.0\.0\.1:\d+\S*/.exec(out)?.[0]);
  browser = await launchChromium();
  shots = await artifactsDir('service-dashboard-e2e');
  process.stderr.write(`screenshots: ${shots}\n`);
});

after(async () => {
  await browser?.close();
  proxy?.kill('SIGINT');
  await service?.stop();
  await world?.tearDown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the dashboard through inet-swarm dashboard, the API server and the results service', { timeout: 300_000 }, () => {
  it('follows a campaign live from the list to its page, its failures and a scalar plot', async () => {
    // Runs 3 and 7 fail; each run takes 1.5 s on one runner, so the page is open while they finish.
    await world.createCampaign('errors', { config: 'Errors', simulation: { executable: './oppsim', extraArgs: ['--**.oppsim.durationMs=1500'] }, execution: { maxAttempts: 1 } });
    await world.startRunners('errors', 1);
    const page = await (await browser.newContext()).newPage();
    await page.goto(dashboard);
    await page.locator(`tr[data-campaign="${world.namespace}/errors"]`).waitFor();
    await page.screenshot({ path: join(shots, 'campaigns.png'), fullPage: true });

    await page.click(`tr[data-campaign="${world.namespace}/errors"] a`);
    await page.locator('html[data-live=open]').waitFor().catch(async (err: unknown) => {
      process.stderr.write(`at ${page.url()}: ${(await page.content()).slice(0, 300)}\n`);
      throw err;
    });
    const before = await page.locator('#summary [data-field=counts]').textContent();
    await page.evaluate('window.notReloaded = true');
    await page.locator('#summary [data-field=counts]', { hasText: /^8 succeeded, 2 failed, 0 running, 0 pending$/ }).waitFor({ timeout: 120_000 });
    assert.notEqual(before, '8 succeeded, 2 failed, 0 running, 0 pending', 'the page was opened before the campaign finished');
    assert.equal(await page.evaluate('window.notReloaded'), true, 'updated without a reload');
    await page.locator('#runs tbody tr[data-run="7"]', { hasText: 'failed' }).waitFor();
    await page.screenshot({ path: join(shots, 'campaign-finished.png'), fullPage: true });

    const failures = await page.$$eval('#failures tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('a')].map((a) => a.textContent)));
    assert.deepEqual(failures, [['3', '7']], 'one group: the same error in runs 3 and 7');

    // The plot's choices come with the page (the live script refreshes counts, runs and failures): load it again.
    await page.reload();
    await page.selectOption('#plot-itervar', 'i');
    const scalar = await page.$$eval('#plot-scalar option', (options) => options.map((o) => o.getAttribute('value') ?? '').find((v) => v.endsWith('|runNumber')));
    await page.selectOption('#plot-scalar', scalar ?? '');
    await page.click('form[aria-label="Plot a scalar"] button');
    await page.locator('circle.point').first().waitFor();
    const points = await page.$$eval('circle.point', (cs) => cs.map((c) => Number(c.getAttribute('data-run'))));
    assert.deepEqual(points.sort((a, b) => a - b), [0, 1, 2, 4, 5, 6, 8, 9], 'one point per succeeded run');
    await page.screenshot({ path: join(shots, 'scalar-plot.png'), fullPage: true });
  });
});
