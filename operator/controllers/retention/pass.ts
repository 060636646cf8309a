// One pass of the orphan collector: for each tenant database, what it stores
// (campaign and build uids), what lives in its namespace (read from the API
// after the store, so that an object created meanwhile is seen live), the
// marks of earlier passes; then decideRetention, and the marks and bounded
// deletions it asks for.
import type { CustomObjectsApi } from '@kubernetes/client-node';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { GROUP, INET_BUILD, SIMULATION_CAMPAIGN, VERSION, type InetBuild, type SimulationCampaign } from '../../../api/v1alpha1.ts';
import { resultSources } from '../../../lib/store/sources.ts';
import { deleteBuildLeftovers, deleteCampaignResults, storedBuildUids, storedCampaignUids } from '../../../lib/store/retention.ts';
import { tenantDatabase } from '../../../lib/store/tenant.ts';
import { decideRetention, type OrphanMark } from './decide.ts';
import type { RetentionSettings } from './settings.ts';

/** The operator's own bookkeeping in each tenant database: since when a uid has had no owner. */
export const ORPHANS_COLLECTION = 'orphans';

interface MarkDoc {
  _id: string;
  kind: OrphanMark['kind'];
  uid: string;
  since: Date;
}

export interface PassDeps {
  custom: CustomObjectsApi;
  /** The tenant databases to look at (every one with the prefix, or the watched namespace's). */
  databases: () => Promise<Db[]>;
  prefix: string;
  watchNamespace: string | undefined;
  settings: RetentionSettings;
  log: Logger;
  now: () => Date;
}

/** What lives, per tenant database name: campaign uids (with those their reruns merge), build uids and their digests. */
interface Live {
  campaigns: Map<string, Set<string>>;
  builds: Map<string, Set<string>>;
  digests: Map<string, Set<string>>;
}

async function listAll<T>(deps: PassDeps, plural: string): Promise<T[]> {
  const ref = { group: GROUP, version: VERSION, plural };
  const list = (deps.watchNamespace
    ? await deps.custom.listNamespacedCustomObject({ ...ref, namespace: deps.watchNamespace })
    : await deps.custom.listClusterCustomObject(ref)) as { items: T[] };
  return list.items;
}

function add(map: Map<string, Set<string>>, key: string, values: readonly string[]): void {
  const set = map.get(key) ?? new Set<string>();
  for (const v of values) if (v) set.add(v);
  map.set(key, set);
}

async function observeLive(deps: PassDeps): Promise<Live> {
  const [campaigns, builds] = await Promise.all([listAll<SimulationCampaign>(deps, SIMULATION_CAMPAIGN.plural), listAll<InetBuild>(deps, INET_BUILD.plural)]);
  const live: Live = { campaigns: new Map(), builds: new Map(), digests: new Map() };
  const dbOf = (o: { metadata: { namespace?: string } }) => tenantDatabase(deps.prefix, o.metadata.namespace ?? '');
  for (const c of campaigns) add(live.campaigns, dbOf(c), resultSources(c));
  for (const b of builds) {
    add(live.builds, dbOf(b), [b.metadata.uid ?? '']);
    add(live.digests, dbOf(b), [b.status?.artifact?.digest ?? '']);
  }
  return live;
}

/** One pass over every tenant database; returns how many uids it deleted everything of. */
export async function retentionPass(deps: PassDeps): Promise<number> {
  const databases = await deps.databases();
  const stored = await Promise.all(databases.map(async (db) => ({ db, campaigns: await storedCampaignUids(db), builds: await storedBuildUids(db) })));
  // After the store was read: whatever was stored then and lives now is seen live.
  const live = await observeLive(deps);
  let finished = 0;
  for (const { db, campaigns, builds } of stored) finished += await passOver(db, { campaigns, builds }, live, deps);
  return finished;
}

async function passOver(db: Db, stored: { campaigns: Set<string>; builds: Set<string> }, live: Live, deps: PassDeps): Promise<number> {
  const marks = db.collection<MarkDoc>(ORPHANS_COLLECTION);
  const name = db.databaseName;
  const { settings } = deps;
  const decision = decideRetention({
    storedCampaigns: stored.campaigns,
    storedBuilds: stored.builds,
    liveCampaigns: live.campaigns.get(name) ?? new Set(),
    liveBuilds: live.builds.get(name) ?? new Set(),
    marks: (await marks.find({}).toArray()).map(({ kind, uid, since }) => ({ kind, uid, since })),
    now: deps.now(),
    campaignGraceMs: settings.campaignGraceMs,
    buildGraceMs: settings.buildGraceMs,
    maxDeletions: settings.maxDeletions,
  });
  const id = (m: Pick<OrphanMark, 'kind' | 'uid'>) => `${m.kind}/${m.uid}`;
  if (decision.mark.length) await marks.insertMany(decision.mark.map((m) => ({ _id: id(m), ...m })));
  if (decision.unmark.length) await marks.deleteMany({ _id: { $in: decision.unmark.map(id) } });
  let finished = 0;
  for (const orphan of decision.delete) {
    const result =
      orphan.kind === 'campaign'
        ? await deleteCampaignResults(db, orphan.uid, settings.budget)
        : await deleteBuildLeftovers(db, orphan.uid, { keepDigests: live.digests.get(name) ?? new Set(), before: new Date(deps.now().getTime() - settings.buildGraceMs), budget: settings.budget });
    deps.log.info({ database: name, kind: orphan.kind, uid: orphan.uid, orphanSince: orphan.since, ...result }, 'Collected orphaned records');
    if (result.done) finished++;
  }
  return finished;
}
