// Each namespace's own MongoDB database and user (lib/store/tenant.ts names
// them). The operator holds the admin credential; a namespace's pods get only
// a login whose role is readWrite on their namespace's database. The login is
// made once per namespace and process, shared by both controllers (so that a
// new namespace gets one password, not one per controller), and kept across
// restarts: the password of an existing runner or builder Secret is reused,
// and a user that is missing is created again. The namespace's indexes are
// made at the same time.
import { randomBytes } from 'node:crypto';
import type { CoreV1Api } from '@kubernetes/client-node';
import { MongoServerError, type Db, type MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import { isNotFound } from '../../lib/kube/errors.ts';
import { ensureIndexes } from '../../lib/store/store.ts';
import { tenantDatabase, tenantPasswordIn, tenantUser, type TenantLogin } from '../../lib/store/tenant.ts';

/** MongoDB's codes: a user that exists already, and a command option the server has not implemented. */
const USER_EXISTS = 51003;
const NOT_IMPLEMENTED = 238;

/** A Secret key where an earlier login of the namespace may be stored as a URI. */
export interface LoginSecret {
  name: string;
  key: string;
}

export interface TenantStores {
  /** The namespace's database, through the operator's own (admin) connection: every read of a namespace's records. */
  db(namespace: string): Db;
  /** The namespace's login, its user created or updated on first use in this process. */
  login(namespace: string): Promise<TenantLogin>;
  /** Every tenant database the store has (those named with the prefix), for the orphan collector. */
  databases(): Promise<Db[]>;
}

export interface TenantStoreOptions {
  client: MongoClient;
  /** INETSWARM_MONGO_DATABASE: the prefix of every tenant database. */
  prefix: string;
  core: CoreV1Api;
  /** Where an existing login may be kept (the runner and the builder Secret), first match wins. */
  secrets: readonly LoginSecret[];
  log: Logger;
}

export function tenantStores(options: TenantStoreOptions): TenantStores {
  const logins = new Map<string, Promise<TenantLogin>>();
  const db = (namespace: string): Db => options.client.db(tenantDatabase(options.prefix, namespace));
  return {
    db,
    databases: async () => {
      const listed = await options.client.db('admin').admin().listDatabases({ nameOnly: true });
      return listed.databases.filter((d) => d.name.startsWith(`${options.prefix}_`)).map((d) => options.client.db(d.name));
    },
    login: (namespace) => {
      let login = logins.get(namespace);
      if (!login) {
        login = ensureLogin(namespace, db(namespace), options);
        // A failure is forgotten, so that the next reconcile tries again.
        login.catch(() => logins.delete(namespace));
        logins.set(namespace, login);
      }
      return login;
    },
  };
}

async function ensureLogin(namespace: string, db: Db, options: TenantStoreOptions): Promise<TenantLogin> {
  const user = tenantUser(namespace);
  const database = db.databaseName;
  const password = (await storedPassword(namespace, user, database, options)) ?? randomBytes(24).toString('base64url');
  await ensureUser(db, user, password, options.log);
  await ensureIndexes(db);
  options.log.info({ namespace, database, user }, 'Ensured the namespace store login');
  return { user, password, database };
}

async function storedPassword(namespace: string, user: string, database: string, options: TenantStoreOptions): Promise<string | undefined> {
  for (const { name, key } of options.secrets) {
    try {
      const secret = await options.core.readNamespacedSecret({ name, namespace });
      const value = secret.data?.[key];
      const password = value ? tenantPasswordIn(Buffer.from(value, 'base64').toString('utf8'), user, database) : undefined;
      if (password) return password;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return undefined;
}

/**
 * Creates the user, or sets its password and role when it exists. A server
 * that has not implemented roles (FerretDB 1.x answers NotImplemented to any
 * role) gets the user without roles: it enforces none anyway, and says so in
 * the log.
 */
async function ensureUser(db: Db, user: string, password: string, log: Logger): Promise<void> {
  const roles = [{ role: 'readWrite', db: db.databaseName }];
  const exists = async () => ((await db.command({ usersInfo: user })).users as unknown[] | undefined)?.length ?? 0;
  const command = async (name: 'createUser' | 'updateUser'): Promise<void> => {
    try {
      await db.command({ [name]: user, pwd: password, roles });
    } catch (error) {
      if (!(error instanceof MongoServerError) || error.code !== NOT_IMPLEMENTED) throw error;
      log.warn({ database: db.databaseName, user }, 'The store enforces no roles: the namespace user may reach other databases');
      await db.command(name === 'createUser' ? { createUser: user, pwd: password, roles: [] } : { updateUser: user, pwd: password });
    }
  };
  if ((await exists()) > 0) return command('updateUser');
  try {
    await command('createUser');
  } catch (error) {
    // Created meanwhile by another process: set the password instead.
    if (!(error instanceof MongoServerError) || error.code !== USER_EXISTS) throw error;
    await command('updateUser');
  }
}
