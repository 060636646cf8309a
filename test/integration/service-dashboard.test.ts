// The dashboard in a real browser (Debian's chromium through playwright-core):
// handleDashboard served by node:http on 127.0.0.1 over a DashboardData of
// plain data (test/support/dashboard-data.ts) that the test changes while the
// page is open. No stack and no node: the service core's own data replaces
// the plain one when it is merged. Screenshots go to test/artifacts/service-dashboard/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { handleDashboard } from '../../service/dashboard/handler.ts';
import { artifactsDir, launchChromium, serveOnLoopback, type Served } from '../support/browser.ts';
import { PlainDashboardData, type PlainRun, type PlainWorld } from '../support/dashboard-data.ts';

const BASE = '/apis/results.inetswarm.dev/v1alpha1/dashboard';
const LINE_A = '<!> Error: division by zero -- in module (Sink) Net.sink';
const LINE_B = 'std::bad_alloc: out of memory';

/** Run i of alpha/sweep: 0-59 succeeded, 60-63 failed with LINE_A, 64-65 with LINE_B, 66-69 running, 70-119 pending. */
function sweepRun(i: number): PlainRun {
  const status = i < 60 ? 'succeeded' : i < 66 ? 'failed' : i < 70 ? 'running' : 'pending';
  const finished = status === 'succeeded' || status === 'failed';
  return {
    run: i,
    campaignUid: 'uid-sweep',
    status,
    attempts: status === 'pending' ? 0 : 1,
    elapsedMs: finished ? 1500 + i * 10 : undefined,
    runnerPod: status === 'pending' ? undefined : `runner-${i % 3}`,
    errorLine: status === 'failed' ? (i < 64 ? LINE_A : LINE_B) : undefined,
    iterationVars: { x: String(i % 5), rep: String(Math.floor(i / 5)) },
    finishedAt: finished ? new Date(Date.UTC(2026, 11, 1, 10, Math.floor(i / 10))).toISOString() : undefined,
    attemptHistory: [],
    files: [],
    scalars: status === 'succeeded' ? [{ module: 'Net.sink', name: 'rcvd:count', value: 10 * (i % 5) + i / 100 }] : undefined,
  };
}

function world(): PlainWorld {
  const done = (i: number): PlainRun => ({ ...sweepRun(i), status: 'succeeded', campaignUid: 'uid-done', scalars: [] });
  return {
    campaigns: [
      { summary: { namespace: 'alpha', name: 'sweep', sources: ['uid-sweep'], phase: 'Running', build: 'inet-4', eta: '2099-01-01T00:00:00Z', deleted: false }, runs: Array.from({ length: 120 }, (_, i) => sweepRun(i)) },
      { summary: { namespace: 'beta', name: 'done', sources: ['uid-done'], phase: 'Succeeded', deleted: false }, runs: Array.from({ length: 5 }, (_, i) => done(i)) },
      { summary: { namespace: 'secret', name: 'hidden', sources: ['uid-hidden'], phase: 'Running', deleted: false }, runs: [] },
    ],
    builds: [{ namespace: 'alpha', name: 'inet-4', phase: 'Succeeded', repository: 'https://example.org/inet.git', revision: 'a'.repeat(40), logTail: 'make: Leaving directory\nbuild done\n' }],
    forbidden: ['secret'],
  };
}

/**
 * What the smoke check finds wrong in the open page (run in the browser, so
 * kept as its source: the project's type check has no DOM library).
 */
const A11Y_PROBLEMS = `(() => {
  const out = [];
  if (!document.documentElement.lang) out.push('no lang');
  if (document.querySelectorAll('h1').length !== 1) out.push('not one h1');
  for (const t of document.querySelectorAll('table')) if (!t.querySelector('caption')?.textContent?.trim() && !t.getAttribute('aria-label')) out.push('table without caption');
  for (const c of document.querySelectorAll('select, textarea, input:not([type=hidden])')) {
    if (c.labels.length === 0 && !c.getAttribute('aria-label') && !c.getAttribute('aria-labelledby')) out.push('control ' + c.name + ' without label');
  }
  for (const s of document.querySelectorAll('svg')) if (s.getAttribute('role') !== 'img' || !s.querySelector('title')?.textContent) out.push('unnamed chart');
  for (const th of document.querySelectorAll('thead th')) if (th.getAttribute('scope') !== 'col') out.push('header cell without scope');
  for (const p of document.querySelectorAll('progress')) if (!p.getAttribute('aria-label') && !p.getAttribute('aria-labelledby')) out.push('unnamed progress bar');
  return out;
})()`;

describe('the dashboard in chromium', () => {
  let browser: Browser;
  let served: Served;
  let data: PlainDashboardData;
  let shots: string;
  const errors: string[] = [];
  const url = (path = '/') => `${served.origin}${BASE}${path}`;

  before(async () => {
    data = new PlainDashboardData(world());
    served = await serveOnLoopback((req, res) => handleDashboard(req, res, data, BASE));
    browser = await launchChromium();
    shots = await artifactsDir('service-dashboard');
    process.stderr.write(`[service-dashboard] screenshots in ${shots}\n`);
  });
  after(async () => {
    await browser?.close();
    await served?.close();
  });

  /** A page whose console errors (a script error, a refused Content-Security-Policy) fail the test at the end. */
  async function open(path: string, javaScriptEnabled = true): Promise<Page> {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && errors.push(`${path}: ${m.text()}`));
    page.on('pageerror', (e) => errors.push(`${path}: ${e.message}`));
    const response = await page.goto(url(path));
    assert.equal(response?.status(), 200, `GET ${path}`);
    return page;
  }

  it('lists each campaign the caller may read with its phase and progress', async () => {
    const page = await open('/');
    const rows = await page.$$eval('tbody tr[data-campaign]', (trs) =>
      trs.map((tr) => ({
        campaign: tr.getAttribute('data-campaign'),
        phase: tr.querySelector('[data-field=phase]')?.textContent,
        value: Number(tr.querySelector('progress')?.getAttribute('value')),
        max: Number(tr.querySelector('progress')?.getAttribute('max')),
        text: tr.querySelector('.progress-text')?.textContent,
      })),
    );
    assert.deepEqual(rows, [
      { campaign: 'alpha/sweep', phase: 'Running', value: 66, max: 120, text: '55% (66 of 120 runs done)' },
      { campaign: 'beta/done', phase: 'Succeeded', value: 5, max: 5, text: '100% (5 of 5 runs done)' },
    ]);
    await page.screenshot({ path: join(shots, 'campaigns.png'), fullPage: true });
    await page.context().close();
  });

  it('updates the counts, progress, runs table and failures of an open campaign page without a reload', async () => {
    const page = await open('/namespaces/alpha/campaigns/sweep?status=failed');
    await page.waitForSelector('html[data-live=open]');
    await page.evaluate('window.loadedOnce = true');
    assert.deepEqual(await page.$$eval('#runs tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-run'))), ['60', '61', '62', '63', '64', '65']);

    const runs = data.world.campaigns[0]!.runs;
    Object.assign(runs[70]!, { status: 'succeeded', attempts: 1, runnerPod: 'runner-1', finishedAt: '2026-12-01T10:07:00Z' });
    Object.assign(runs[71]!, { status: 'failed', attempts: 3, runnerPod: 'runner-2', errorLine: 'assertion "queue.empty()" failed', finishedAt: '2026-12-01T10:07:00Z' });
    data.push();

    // A locator, not a waitForFunction string: the page's Content-Security-Policy refuses the eval it polls with.
    await page.locator('#summary [data-field=counts]', { hasText: /^61 succeeded, 7 failed, 4 running, 48 pending$/ }).waitFor();
    assert.equal(await page.$eval('#summary progress', (p) => p.getAttribute('value')), '68');
    await page.waitForSelector('#runs tbody tr[data-run="71"]');
    const row = await page.$eval('#runs tbody tr[data-run="71"]', (tr) => [...tr.children].map((td) => td.textContent));
    assert.deepEqual(row, ['71', 'failed', '3', '', 'runner-2', 'assertion "queue.empty()" failed']);
    await page.locator('#failures td.error-line', { hasText: 'assertion "queue.empty()" failed' }).waitFor();
    assert.equal(await page.evaluate('window.loadedOnce'), true, 'the page was not reloaded');
    await page.screenshot({ path: join(shots, 'campaign-live.png'), fullPage: true });
    await page.context().close();
  });

  it('groups the failed runs by error line, most frequent first, linking their runs', async () => {
    const page = await open('/namespaces/alpha/campaigns/sweep');
    const groups = await page.$$eval('#failures tbody tr', (trs) =>
      trs.map((tr) => ({ line: tr.children[0]!.textContent, count: tr.children[1]!.textContent, runs: [...tr.querySelectorAll('a')].map((a) => a.textContent) })),
    );
    const failed = data.world.campaigns[0]!.runs.filter((r) => r.status === 'failed');
    const expected = [LINE_A, LINE_B, 'assertion "queue.empty()" failed'].map((line) => {
      const runs = failed.filter((r) => r.errorLine === line).map((r) => String(r.run));
      return { line, count: String(runs.length), runs };
    });
    assert.deepEqual(groups, expected);
    await page.click(`#failures a:text-is("${expected[1]!.runs[0]}")`);
    await page.waitForSelector('h1:text-is("Run 64")');
    await page.context().close();
  });

  it('plots one point per run for the scalar and iteration variable chosen in the form', async () => {
    const page = await open('/namespaces/alpha/campaigns/sweep');
    await page.selectOption('#plot-scalar', 'Net.sink|rcvd:count');
    await page.selectOption('#plot-itervar', 'x');
    await Promise.all([page.waitForURL(/itervar=x/), page.click('#plot button[type=submit]')]);
    const points = await page.$$eval('#scalar-plot circle.point', (cs) => cs.map((c) => ({ run: Number(c.getAttribute('data-run')), cx: Number(c.getAttribute('cx')), cy: Number(c.getAttribute('cy')) })));
    const expected = data.world.campaigns[0]!.runs.filter((r) => r.scalars?.length).map((r) => r.run);
    assert.deepEqual(points.map((p) => p.run).sort((a, b) => a - b), expected);
    // x grows with the itervar and y with the value: the marks are where their runs' numbers put them.
    const byRun = new Map(data.world.campaigns[0]!.runs.map((r) => [r.run, r]));
    const sorted = [...points].sort((a, b) => Number(byRun.get(a.run)!.iterationVars!.x) - Number(byRun.get(b.run)!.iterationVars!.x));
    for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i]!.cx >= sorted[i - 1]!.cx, 'x positions follow x');
    const top = points.reduce((a, b) => (byRun.get(a.run)!.scalars![0]!.value > byRun.get(b.run)!.scalars![0]!.value ? a : b));
    assert.equal(top.cy, Math.min(...points.map((p) => p.cy)), 'the largest value is drawn highest');
    await page.screenshot({ path: join(shots, 'campaign-plot.png'), fullPage: true });
    await page.context().close();
  });

  it('works without JavaScript: tables, the status filter, paging and the plot form', async () => {
    const page = await open('/', false);
    assert.equal(await page.locator('table tbody tr').count(), 2);
    await Promise.all([page.waitForURL(/campaigns\/sweep/), page.click('a:text-is("sweep")')]);
    assert.equal(await page.locator('#runs tbody tr').count(), 50);
    await Promise.all([page.waitForURL(/after=49/), page.click('#runs nav.pages >> nth=0 >> a[rel=next]')]);
    assert.equal(await page.$eval('#runs tbody tr', (tr) => tr.getAttribute('data-run')), '50');
    await Promise.all([page.waitForURL(/before=/), page.click('#runs nav.pages >> nth=0 >> a[rel=last]')]);
    assert.equal(await page.$eval('#runs tbody tr:last-child', (tr) => tr.getAttribute('data-run')), '119');
    await page.selectOption('#runs-status', 'running');
    await Promise.all([page.waitForURL(/status=running/), page.click('#runs button[type=submit]')]);
    assert.deepEqual(await page.$$eval('#runs tbody tr td:nth-child(2)', (tds) => [...new Set(tds.map((td) => td.textContent))]), ['running']);
    await page.selectOption('#plot-itervar', 'rep');
    await Promise.all([page.waitForURL(/itervar=rep/), page.click('#plot button[type=submit]')]);
    assert.match(page.url(), /status=running/, 'the plot form keeps the runs filter');
    assert.ok((await page.locator('#scalar-plot circle.point').count()) > 0);
    await page.screenshot({ path: join(shots, 'campaign-no-js.png'), fullPage: true });
    await page.context().close();
  });

  it('passes an accessibility smoke check on every page: named tables and controls, a language, one h1, a skip link first', async () => {
    for (const path of ['/', '/namespaces/alpha/campaigns/sweep', '/namespaces/alpha/campaigns/sweep/runs/64', '/builds', '/namespaces/alpha/builds/inet-4']) {
      const page = await open(path);
      const problems = await page.evaluate(A11Y_PROBLEMS);
      assert.deepEqual(problems, [], path);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content', `${path}: the first Tab`);
      await page.context().close();
    }
  });

  it('answers a namespace the caller may not read with a 403 page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(url('/namespaces/secret/campaigns/hidden'));
    assert.equal(response?.status(), 403);
    assert.equal(await page.textContent('h1'), '403 Forbidden');
    assert.match((await page.textContent('main')) ?? '', /may not read simulationcampaigns in namespace secret/);
    await context.close();
  });

  it('logged no script error, failed request or refused Content-Security-Policy on any page above', () => {
    assert.deepEqual(errors, []);
  });
});
