// Dashboard first-paint benchmark: the campaign page of a 100,000-run campaign
// (its first runs page, the failures grouped by error line, the runs-per-minute
// chart of a week of finishes) served by handleDashboard over an in-memory
// DashboardData, loaded in Debian's chromium; first paint and first
// contentful paint from performance.getEntriesByType('paint'), each load in a
// fresh browser context (no cache). Baseline: the same browser painting a
// one-paragraph page from the same server. A second data set, in which every
// succeeded run also has a scalar, is measured too: its page carries a
// 100,000-point plot.
//
//   npx tsx test/bench/dashboard-paint.ts [--runs 100000] [--loads 9]
import type { RunStatus } from '../../lib/engine/decide.ts';
import { handleDashboard } from '../../service/dashboard/handler.ts';
import { loadCampaignView } from '../../service/dashboard/load.ts';
import { campaignPage } from '../../service/dashboard/render/campaign.ts';
import { parseCampaignQuery } from '../../service/dashboard/route.ts';
import { launchChromium, serveOnLoopback } from '../support/browser.ts';
import { PlainDashboardData, type PlainRun } from '../support/dashboard-data.ts';
import { machineLine, parseFlags, runBenchmark } from './setup.ts';
import { percentile } from './stats.ts';

const flags = parseFlags(process.argv.slice(2), { runs: 100_000, loads: 9 });
const BASE = '/apis/results.inetswarm.dev/v1alpha1/dashboard';
const WEEK_MS = 7 * 24 * 3600 * 1000;
const START = Date.UTC(2026, 11, 1);

/** Run i: 1% pending, 1% running, 3% failed with one of 40 error lines, the rest succeeded; finishes spread over a week. */
function run(i: number, total: number, scalars: boolean): PlainRun {
  const k = i % 100;
  const status: RunStatus = k === 0 ? 'pending' : k === 1 ? 'running' : k < 5 ? 'failed' : 'succeeded';
  const finished = status === 'succeeded' || status === 'failed';
  return {
    run: i,
    campaignUid: 'uid-big',
    status,
    attempts: status === 'failed' ? 3 : 1,
    elapsedMs: 40_000 + (i % 977) * 37,
    runnerPod: `runner-${i % 64}`,
    errorLine: status === 'failed' ? `<!> Error in module (Sink) Net.sink[${i % 40}]: queue overflow at t=${i % 40}s` : undefined,
    iterationVars: { load: String(i % 100), rep: String(Math.floor(i / 100)) },
    finishedAt: finished ? new Date(START + Math.floor((i / total) * WEEK_MS)).toISOString() : undefined,
    attemptHistory: [],
    files: [],
    scalars: scalars && status === 'succeeded' ? [{ module: 'Net.sink', name: 'throughput:mean', value: (i % 100) * 1.5 + Math.sin(i) * 10 }] : undefined,
  };
}

function data(scalars: boolean): PlainDashboardData {
  const runs = Array.from({ length: flags.runs }, (_, i) => run(i, flags.runs, scalars));
  return new PlainDashboardData({
    campaigns: [{ summary: { namespace: 'bench', name: 'big', sources: ['uid-big'], phase: 'Running', eta: new Date(START + WEEK_MS + 3_600_000).toISOString(), deleted: false }, runs }],
    builds: [],
  });
}

interface Load {
  fp: number;
  fcp: number;
  ttfb: number;
  bytes: number;
}

async function measure(browser: Awaited<ReturnType<typeof launchChromium>>, url: string): Promise<Load[]> {
  const loads: Load[] = [];
  for (let i = 0; i <= flags.loads; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(url, { waitUntil: 'load' });
    if (response?.status() !== 200) throw new Error(`GET ${url}: ${response?.status()}`);
    // A small page can finish loading before it paints: wait for the paint entries rather than read them at 'load'.
    const timing = (await page.evaluate(`new Promise((resolve) => {
      const read = () => {
        const paint = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
        if (paint['first-contentful-paint'] === undefined) return false;
        const nav = performance.getEntriesByType('navigation')[0];
        resolve({ fp: paint['first-paint'] ?? paint['first-contentful-paint'], fcp: paint['first-contentful-paint'], ttfb: nav.responseStart - nav.startTime, bytes: nav.decodedBodySize });
        return true;
      };
      if (!read()) new PerformanceObserver(() => read()).observe({ type: 'paint' });
    })`)) as Load;
    await context.close();
    if (i > 0) loads.push(timing); // the first load warms the server's and the browser's code paths
  }
  return loads;
}

/** The server's part, in process: reading the in-memory data (the test's, not the core's) and rendering the page. */
async function serverSplit(source: PlainDashboardData): Promise<{ data: number[]; render: number[]; bytes: number }> {
  const out = { data: [] as number[], render: [] as number[], bytes: 0 };
  for (let i = 0; i <= flags.loads; i++) {
    const t0 = performance.now();
    const view = await loadCampaignView(source, BASE, 'bench', 'big', parseCampaignQuery(new URLSearchParams()), new Date());
    const t1 = performance.now();
    out.bytes = campaignPage(view).text.length;
    const t2 = performance.now();
    if (i > 0) {
      out.data.push(t1 - t0);
      out.render.push(t2 - t1);
    }
  }
  return out;
}

const ms = (values: number[]) => `${percentile(values, 50).toFixed(0)} ms (p95 ${percentile(values, 95).toFixed(0)})`;

function report(name: string, loads: Load[]): void {
  const kib = (loads[0]!.bytes / 1024).toFixed(0);
  process.stdout.write(`${name.padEnd(34)} first paint ${ms(loads.map((l) => l.fp)).padEnd(20)} first contentful paint ${ms(loads.map((l) => l.fcp)).padEnd(20)} response start ${ms(loads.map((l) => l.ttfb)).padEnd(20)} HTML ${kib} KiB\n`);
}

runBenchmark('dashboard-paint', async () => {
  process.stdout.write(`${machineLine()}\n`);
  process.stdout.write(`${flags.loads} loads each (after one warm-up), p50 of each figure, fresh browser context per load; ${flags.runs.toLocaleString('en-US')} runs\n`);
  const browser = await launchChromium();
  const plain = data(false);
  const withScalars = data(true);
  const baseline = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>baseline</title></head><body><h1>Baseline</h1><p>One paragraph.</p></body></html>';
  const served = await serveOnLoopback(async (req, res) => {
    if (req.url === '/baseline') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(baseline);
      return true;
    }
    const which = req.url?.startsWith('/scalars') ? withScalars : plain;
    req.url = req.url?.replace(/^\/scalars/, '');
    return handleDashboard(req, res, which, BASE);
  });
  try {
    const base = await measure(browser, `${served.origin}/baseline`);
    report('baseline (one-paragraph page)', base);
    const page = await measure(browser, `${served.origin}${BASE}/namespaces/bench/campaigns/big`);
    report('campaign page, 100k runs', page);
    const scalars = await measure(browser, `${served.origin}/scalars${BASE}/namespaces/bench/campaigns/big`);
    report('the same with a 100k-point plot', scalars);
    for (const [name, source] of [['campaign page', plain], ['with the plot', withScalars]] as const) {
      const split = await serverSplit(source);
      process.stdout.write(`server, ${name}: in-memory data ${ms(split.data)}, rendering ${ms(split.render)}\n`);
    }
    const ratio = percentile(page.map((l) => l.fcp), 50) / percentile(base.map((l) => l.fcp), 50);
    process.stdout.write(`first contentful paint, campaign page / baseline: ${ratio.toFixed(2)}x\n`);
  } finally {
    await browser.close();
    await served.close();
  }
});
