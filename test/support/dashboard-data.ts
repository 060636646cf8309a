// A DashboardData over plain data held in memory, for the dashboard's browser
// test and benchmark until the service core's own implementation (over the
// store and the cluster) replaces it: campaigns with their runs (counts,
// failures, throughput and scalar plots are derived from the runs), builds,
// namespaces the caller may not read (403). A test changes `world` and calls
// `push()` to send every open campaign stream the new summary.
import type { BuildList, BuildSummary, CampaignList, CampaignSummary, FailureList, RunDetail, RunPage, ScalarPlot, Throughput } from '../../api/results.ts';
import type { DashboardData, PlotChoices, RunQuery } from '../../service/dashboard/data.ts';

export interface PlainRun extends RunDetail {
  scalars?: Array<{ module: string; name: string; value: number }>;
}

export interface PlainCampaign {
  /** The summary without its counts, which come from the runs. */
  summary: Omit<CampaignSummary, 'runs'>;
  /** In run-number order. */
  runs: PlainRun[];
}

export interface PlainWorld {
  campaigns: PlainCampaign[];
  builds: BuildSummary[];
  /** Namespaces whose reads fail with 403, as the core answers a caller without rights there. */
  forbidden?: string[];
}

const httpError = (status: number, message: string) => Object.assign(new Error(message), { status });

export class PlainDashboardData implements DashboardData {
  private readonly listeners = new Set<() => void>();
  constructor(public world: PlainWorld) {}

  /** Open campaign streams, waiting for the next push. */
  get subscribers(): number {
    return this.listeners.size;
  }

  /** Sends every open campaign stream the current summary. */
  push(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private check(namespace: string): void {
    if (this.world.forbidden?.includes(namespace)) throw httpError(403, `You may not read simulationcampaigns in namespace ${namespace}.`);
  }

  private find(namespace: string, name: string): PlainCampaign {
    this.check(namespace);
    const found = this.world.campaigns.find((c) => c.summary.namespace === namespace && c.summary.name === name);
    if (!found) throw httpError(404, `No campaign ${namespace}/${name}.`);
    return found;
  }

  private summaryOf(c: PlainCampaign): CampaignSummary {
    const runs = { total: c.runs.length, succeeded: 0, failed: 0, running: 0, pending: 0 };
    for (const r of c.runs) if (r.status in runs) runs[r.status as 'succeeded' | 'failed' | 'running' | 'pending']++;
    return { ...c.summary, runs };
  }

  async campaigns(): Promise<CampaignList> {
    const readable = this.world.campaigns.filter((c) => !this.world.forbidden?.includes(c.summary.namespace));
    return { items: readable.map((c) => this.summaryOf(c)) };
  }

  async campaign(namespace: string, name: string): Promise<CampaignSummary> {
    return this.summaryOf(this.find(namespace, name));
  }

  async runs(namespace: string, name: string, query: RunQuery): Promise<RunPage> {
    const all = this.find(namespace, name).runs.filter((r) => !query.status || r.status === query.status);
    const limit = query.limit ?? 50;
    let start = 0;
    if (query.after !== undefined) start = all.findIndex((r) => r.run > query.after!);
    else if (query.before !== undefined) {
      const end = all.findIndex((r) => r.run >= query.before!);
      start = Math.max(0, (end < 0 ? all.length : end) - limit);
    }
    if (start < 0) start = all.length;
    const items = all.slice(start, start + limit).map(({ scalars: _s, attemptHistory: _a, files: _f, ...row }) => row);
    const page: RunPage = { items };
    if (start + limit < all.length && items.length > 0) page.next = items[items.length - 1]!.run;
    if (start > 0 && items.length > 0) page.prev = items[0]!.run;
    return page;
  }

  async run(namespace: string, name: string, run: number): Promise<RunDetail> {
    const found = this.find(namespace, name).runs.find((r) => r.run === run);
    if (!found) throw httpError(404, `No run ${run} in ${namespace}/${name}.`);
    return found;
  }

  async failures(namespace: string, name: string): Promise<FailureList> {
    const groups = new Map<string, { count: number; runs: number[] }>();
    for (const r of this.find(namespace, name).runs) {
      if (r.status !== 'failed') continue;
      const line = r.errorLine ?? '(no error line)';
      const g = groups.get(line) ?? { count: 0, runs: [] };
      g.count++;
      if (g.runs.length < 10) g.runs.push(r.run);
      groups.set(line, g);
    }
    return { items: [...groups].map(([errorLine, g]) => ({ pattern: errorLine, errorLine, ...g })) };
  }

  async throughput(namespace: string, name: string): Promise<Throughput> {
    const minutes = new Map<string, number>();
    for (const r of this.find(namespace, name).runs) {
      if (!r.finishedAt) continue;
      const minute = `${r.finishedAt.slice(0, 16)}:00Z`;
      minutes.set(minute, (minutes.get(minute) ?? 0) + 1);
    }
    return { points: [...minutes].sort(([a], [b]) => a.localeCompare(b)).map(([minute, runs]) => ({ minute, runs })) };
  }

  async plotChoices(namespace: string, name: string): Promise<PlotChoices> {
    const scalars = new Map<string, { module: string; name: string }>();
    const itervars = new Set<string>();
    for (const r of this.find(namespace, name).runs) {
      for (const s of r.scalars ?? []) scalars.set(`${s.module}|${s.name}`, { module: s.module, name: s.name });
      for (const v of Object.keys(r.iterationVars ?? {})) itervars.add(v);
    }
    return { scalars: [...scalars.values()], itervars: [...itervars] };
  }

  async scalarPlot(namespace: string, name: string, scalar: { module: string; name: string }, itervar: string): Promise<ScalarPlot> {
    const points: ScalarPlot['points'] = [];
    for (const r of this.find(namespace, name).runs) {
      const s = r.scalars?.find((v) => v.module === scalar.module && v.name === scalar.name);
      const x = r.iterationVars?.[itervar];
      if (s && x !== undefined) points.push({ x, value: s.value, run: r.run });
    }
    if (points.length === 0) throw httpError(404, `No scalar ${scalar.module}.${scalar.name} against ${itervar}.`);
    return { ...scalar, itervar, points };
  }

  async builds(namespace?: string): Promise<BuildList> {
    return { items: this.world.builds.filter((b) => (!namespace || b.namespace === namespace) && !this.world.forbidden?.includes(b.namespace)) };
  }

  async build(namespace: string, name: string): Promise<BuildSummary> {
    this.check(namespace);
    const found = this.world.builds.find((b) => b.namespace === namespace && b.name === name);
    if (!found) throw httpError(404, `No build ${namespace}/${name}.`);
    return found;
  }

  async *campaignUpdates(namespace: string, name: string, signal: AbortSignal): AsyncIterable<CampaignSummary> {
    yield this.summaryOf(this.find(namespace, name));
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.listeners.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.listeners.add(wake);
        signal.addEventListener('abort', wake);
      });
      if (signal.aborted) return;
      yield this.summaryOf(this.find(namespace, name));
    }
  }
}
