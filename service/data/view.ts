// Everything one caller may see, behind one object: each method first asks
// whether the caller may read the namespace (403 otherwise, before anything
// is looked up, so a name's existence is not revealed), then reads the
// cluster and the store. The JSON API and the dashboard both read through it.
import type { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { BuildList, BuildSummary, CampaignList, CampaignSummary } from '../../api/results.ts';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { BUILDS_COLLECTION, type BuildRecord } from '../../lib/store/builds.ts';
import { campaignsOf } from '../../lib/store/store.ts';
import type { TenantDbs } from '../../lib/store/tenant-dbs.ts';
import type { AccessReviewer, GuardedKind } from '../auth/access.ts';
import type { Caller } from '../auth/identity.ts';
import type { DashboardData } from '../dashboard/data.ts';
import { HttpError, notFound } from '../http/errors.ts';
import { getBuild, getCampaign, listBuilds, listCampaigns, watchCampaign } from './cluster.ts';
import { failureGroups, findRun, plotChoices, runPage, scalarPlot, storedCounts, throughput } from './runs.ts';
import { buildSummary, campaignSummary, deletedCampaigns, runDetail, storedCampaignSummary } from './summary.ts';

export interface ServiceContext {
  /** Each namespace's database: a namespace's records are read from its own database only. */
  store: TenantDbs;
  kc: KubeConfig;
  custom: CustomObjectsApi;
  access: AccessReviewer;
}

/** A campaign found by name: its summary, the uid its runs are stored under and the uids of its results. */
export interface ResolvedCampaign {
  summary: CampaignSummary;
  uid: string;
  sources: string[];
  /** The planned total when the run numbers are exactly 0..total-1 (no run filter), so a page is a range of them. */
  denseTotal?: number;
}

export interface CallerView extends DashboardData {
  resolve(namespace: string, name: string): Promise<ResolvedCampaign>;
  namespaceCampaigns(namespace: string): Promise<CampaignList>;
}

type Guard = (kind: GuardedKind, namespace: string) => Promise<void>;

function guardOf(ctx: ServiceContext, caller: Caller): Guard {
  return async (kind, namespace) => {
    if (!(await ctx.access.mayRead(caller, kind, namespace))) {
      const what = kind === 'campaigns' ? 'simulationcampaigns' : 'inetbuilds';
      throw new HttpError(403, `User "${caller.user}" cannot get ${what}.inetswarm.dev in the namespace "${namespace}".`);
    }
  };
}

async function resolveCampaign(ctx: ServiceContext, guard: Guard, namespace: string, name: string): Promise<ResolvedCampaign> {
  await guard('campaigns', namespace);
  const db = ctx.store.db(namespace);
  const cr = await getCampaign(ctx.custom, namespace, name);
  if (cr) {
    const summary = campaignSummary(cr);
    const uid = cr.metadata.uid ?? '';
    // Until the operator has written the planned total into the status, the plan record has it.
    if (summary.runs.total === undefined) {
      const total = (await campaignsOf(db).findOne({ _id: uid }))?.total;
      if (total !== undefined) summary.runs.total = total;
    }
    const dense = !cr.spec.runFilter && summary.runs.total !== undefined;
    return { summary, uid, sources: summary.sources, ...(dense ? { denseTotal: summary.runs.total } : {}) };
  }
  const doc = await campaignsOf(db).find({ namespace, campaign: name }).sort({ plannedAt: -1 }).limit(1).next();
  if (!doc) throw notFound(`No campaign "${name}" in namespace "${namespace}", and no stored results of one.`);
  return { summary: storedCampaignSummary(doc, await storedCounts(db, doc._id)), uid: doc._id, sources: [doc._id] };
}

async function visibleCampaigns(ctx: ServiceContext, caller: Caller, guard: Guard, namespace?: string): Promise<CampaignList> {
  if (namespace !== undefined) await guard('campaigns', namespace);
  const [crs, stored] = await Promise.all([
    listCampaigns(ctx.custom, namespace),
    namespace !== undefined ? campaignsOf(ctx.store.db(namespace)).find({ namespace }).toArray() : ctx.store.allCampaigns(),
  ]);
  const deleted = deletedCampaigns(crs, stored);
  const readable = await ctx.access.readable(caller, 'campaigns', [...crs.map((c) => c.metadata.namespace ?? ''), ...deleted.map((d) => d.namespace)]);
  const items = [
    ...crs.filter((c) => readable.has(c.metadata.namespace ?? '')).map(campaignSummary),
    ...(await Promise.all(deleted.filter((d) => readable.has(d.namespace)).map(async (d) => storedCampaignSummary(d, await storedCounts(ctx.store.db(d.namespace), d._id))))),
  ];
  items.sort((a, b) => (a.created ?? '').localeCompare(b.created ?? '') || a.name.localeCompare(b.name));
  return { items };
}

async function oneBuild(ctx: ServiceContext, guard: Guard, namespace: string, name: string): Promise<BuildSummary> {
  await guard('builds', namespace);
  const cr = await getBuild(ctx.custom, namespace, name);
  if (!cr) throw notFound(`No build "${name}" in namespace "${namespace}".`);
  const record = await ctx.store.db(namespace).collection<BuildRecord>(BUILDS_COLLECTION).findOne({ _id: cr.metadata.uid ?? '' });
  return buildSummary(cr, record ?? undefined);
}

async function visibleBuilds(ctx: ServiceContext, caller: Caller, guard: Guard, namespace?: string): Promise<BuildList> {
  if (namespace !== undefined) await guard('builds', namespace);
  const crs = await listBuilds(ctx.custom, namespace);
  const readable = await ctx.access.readable(caller, 'builds', crs.map((c) => c.metadata.namespace ?? ''));
  const records = (c: (typeof crs)[number]) => ctx.store.db(c.metadata.namespace ?? '').collection<BuildRecord>(BUILDS_COLLECTION);
  const visible = crs.filter((c) => readable.has(c.metadata.namespace ?? ''));
  return { items: await Promise.all(visible.map(async (c) => buildSummary(c, (await records(c).findOne({ _id: c.metadata.uid ?? '' })) ?? undefined))) };
}

export function callerView(ctx: ServiceContext, caller: Caller): CallerView {
  const guard = guardOf(ctx, caller);
  const resolve = (namespace: string, name: string): Promise<ResolvedCampaign> => resolveCampaign(ctx, guard, namespace, name);
  return {
    resolve,
    campaigns: () => visibleCampaigns(ctx, caller, guard),
    namespaceCampaigns: (namespace) => visibleCampaigns(ctx, caller, guard, namespace),
    campaign: async (namespace, name) => (await resolve(namespace, name)).summary,
    runs: async (namespace, name, query) => {
      const { uid, denseTotal } = await resolve(namespace, name);
      return runPage(ctx.store.db(namespace), uid, query, denseTotal);
    },
    run: async (namespace, name, run) => {
      const found = await findRun(ctx.store.db(namespace), (await resolve(namespace, name)).sources, run);
      if (!found) throw notFound(`Run ${run} of campaign "${name}" has no record (not started yet, or not a run of this campaign).`);
      return runDetail(found.doc, found.outTail);
    },
    failures: async (namespace, name) => ({ items: await failureGroups(ctx.store.db(namespace), (await resolve(namespace, name)).uid) }),
    throughput: async (namespace, name) => throughput(ctx.store.db(namespace), (await resolve(namespace, name)).uid),
    plotChoices: async (namespace, name) => plotChoices(ctx.store.db(namespace), (await resolve(namespace, name)).sources),
    scalarPlot: async (namespace, name, scalar, itervar) => scalarPlot(ctx.store.db(namespace), (await resolve(namespace, name)).sources, scalar.module, scalar.name, itervar),
    builds: (namespace) => visibleBuilds(ctx, caller, guard, namespace),
    build: (namespace, name) => oneBuild(ctx, guard, namespace, name),
    campaignUpdates: (namespace, name, signal) => campaignUpdates(ctx, resolve, namespace, name, signal),
  };
}

/** The summary now, then after every change of the resource, until `signal` aborts or the campaign is deleted. */
async function* campaignUpdates(
  ctx: ServiceContext,
  resolve: (namespace: string, name: string) => Promise<ResolvedCampaign>,
  namespace: string,
  name: string,
  signal: AbortSignal,
): AsyncIterable<CampaignSummary> {
  const first = await resolve(namespace, name);
  yield first.summary;
  if (first.summary.deleted) return;
  const queue: Array<SimulationCampaign | 'gone'> = [];
  let wake: (() => void) | undefined;
  const push = (item: SimulationCampaign | 'gone'): void => {
    queue.push(item);
    wake?.();
  };
  await watchCampaign(ctx.kc, namespace, name, { onChange: push, onGone: () => push('gone') }, signal);
  const aborted = new Promise<void>((resolveAbort) => signal.addEventListener('abort', () => resolveAbort(), { once: true }));
  while (!signal.aborted) {
    const item = queue.shift();
    if (item === 'gone') return;
    if (item) {
      yield campaignSummary(item);
      continue;
    }
    await Promise.race([new Promise<void>((r) => (wake = r)), aborted]);
    wake = undefined;
  }
}
