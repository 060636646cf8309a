// The namespaces' databases as a reader with an admin connection sees them
// (the results service, an admin's CLI): one namespace's database, or every
// namespace's stored campaigns. A record counts for a namespace only when it
// lies in that namespace's database, so that what a tenant writes into its own
// database can never show up as another namespace's.
import type { Db, MongoClient } from 'mongodb';
import { campaignsOf, type CampaignDoc } from './store.ts';
import { tenantDatabase } from './tenant.ts';

export interface TenantDbs {
  /** The database of `namespace`: every read of that namespace's records goes here. */
  db(namespace: string): Db;
  /** The stored campaign records of every namespace, each from its own namespace's database only. */
  allCampaigns(): Promise<CampaignDoc[]>;
}

export function tenantDbs(client: MongoClient, prefix: string): TenantDbs {
  const db = (namespace: string): Db => client.db(tenantDatabase(prefix, namespace));
  return {
    db,
    allCampaigns: async () => {
      const listed = await client.db('admin').admin().listDatabases({ nameOnly: true });
      const names = listed.databases.map((d) => d.name).filter((name) => name.startsWith(`${prefix}_`));
      const perDatabase = await Promise.all(names.map(async (name) => (await campaignsOf(client.db(name)).find({}).toArray()).filter((doc) => tenantDatabase(prefix, doc.namespace) === name)));
      return perDatabase.flat();
    },
  };
}
