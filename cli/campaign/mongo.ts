// How an admin's CLI reaches the result store directly, past the results
// API: with --mongo-uri (or INETSWARM_MONGO_URI), or with --mongo-port-forward
// from the cluster: the URI the operator put into the namespace's Secret and,
// when it names a Service inside the cluster, through a port-forward the CLI
// opens itself over the API server (no kubectl port-forward by hand). Either
// way it reads the namespace's own database (lib/store/tenant.ts). Users read
// through the results API instead (results-api.ts), without database
// credentials.
import { createServer, type Server, type Socket } from 'node:net';
import type { Db, MongoClient } from 'mongodb';
import { text } from '../../lib/config.ts';
import { tenantDatabase } from '../../lib/store/tenant.ts';
import { CliError } from '../errors.ts';
import { clusterServiceOf, localUri, redactUri } from './mongo-uri.ts';
import type { ClusterApi } from './kube.ts';

/** The Secret the operator creates in every namespace it builds in (the operator's INETSWARM_BUILDER_SECRET_NAME), key `uri`: the namespace's store login. */
export const MONGO_SECRET = { name: 'inet-swarm-builder', key: 'uri' } as const;
/** The operator's default prefix of the namespaces' databases (INETSWARM_MONGO_DATABASE). */
export const DEFAULT_DATABASE = 'inetswarm';

/** Options every results-reading command takes. */
export interface MongoOptions {
  mongoUri?: string | undefined;
  mongoDatabase?: string | undefined;
  /** Find the store through the namespace's Secret and a port-forward. */
  mongoPortForward?: boolean | undefined;
}

export interface ResultsDb {
  db: Db;
  /** Where the store was reached, for messages: the URI without credentials, or the port-forward. */
  via: string;
  close(): Promise<void>;
}

/** The explicit URI and the prefix of the namespaces' databases, from the options or the environment. */
export function mongoSettings(options: MongoOptions, env: NodeJS.ProcessEnv): { uri: string | undefined; database: string } {
  return {
    uri: options.mongoUri ?? text(env, 'INETSWARM_MONGO_URI'),
    database: options.mongoDatabase ?? text(env, 'INETSWARM_MONGO_DATABASE') ?? DEFAULT_DATABASE,
  };
}

/** Whether the command reads the store directly (an admin's --mongo-uri or --mongo-port-forward) rather than through the results API. */
export function readsStoreDirectly(options: MongoOptions, env: NodeJS.ProcessEnv): boolean {
  return mongoSettings(options, env).uri !== undefined || options.mongoPortForward === true;
}

/** Connects to the result store and the database of the cluster's namespace. */
export async function openResultsDb(options: MongoOptions, env: NodeJS.ProcessEnv, api: () => Promise<ClusterApi>): Promise<ResultsDb> {
  const settings = mongoSettings(options, env);
  const cluster = await api();
  const database = tenantDatabase(settings.database, cluster.namespace);
  if (settings.uri) return connect(settings.uri, database, redactUri(settings.uri), async () => undefined);
  const uri = await secretUri(cluster);
  const target = clusterServiceOf(uri, cluster.namespace);
  if (!target) return connect(uri, database, redactUri(uri), async () => undefined);
  const forward = await portForward(cluster, target);
  return connect(localUri(uri, forward.port), database, `port-forward to service ${target.namespace}/${target.service}`, forward.close);
}

/** Runs `work` with a connection to the result store and closes it afterwards, whatever happens. */
export async function withResultsDb<T>(
  options: MongoOptions,
  env: NodeJS.ProcessEnv,
  api: () => Promise<ClusterApi>,
  work: (db: Db) => Promise<T>,
): Promise<T> {
  const results = await openResultsDb(options, env, api);
  try {
    return await work(results.db);
  } finally {
    await results.close();
  }
}

async function connect(uri: string, database: string, via: string, cleanup: () => Promise<void>): Promise<ResultsDb> {
  const { MongoClient } = await import('mongodb');
  const client: MongoClient = new MongoClient(uri, { serverSelectionTimeoutMS: 15_000 });
  try {
    await client.connect();
  } catch (err) {
    await cleanup();
    throw new CliError(`Could not reach the result store (${via}): ${(err as Error).message}. Pass its address with --mongo-uri.`, { cause: err });
  }
  return {
    db: client.db(database),
    via,
    close: async () => {
      await client.close().catch(() => undefined);
      await cleanup();
    },
  };
}

async function secretUri(api: ClusterApi): Promise<string> {
  try {
    const secret = await api.core.readNamespacedSecret({ name: MONGO_SECRET.name, namespace: api.namespace });
    const value = secret.data?.[MONGO_SECRET.key];
    if (value) return Buffer.from(value, 'base64').toString('utf8');
  } catch {
    // Explained below, with what to do instead.
  }
  throw new CliError(
    `Could not read the result store's address from Secret ${api.namespace}/${MONGO_SECRET.name} (key ${MONGO_SECRET.key}): ` +
      'it exists once the operator has built in this namespace and you may read Secrets there. ' +
      'Pass the address with --mongo-uri (or INETSWARM_MONGO_URI) instead.',
  );
}

/** Forwards a local loopback port to a ready pod behind the Service, through the API server. */
async function portForward(
  api: ClusterApi,
  target: { service: string; namespace: string; port: number },
): Promise<{ port: number; close: () => Promise<void> }> {
  const k8s = await import('@kubernetes/client-node');
  const where = `service ${target.namespace}/${target.service}`;
  let podName: string | undefined;
  let podPort = target.port;
  try {
    const service = await api.core.readNamespacedService({ name: target.service, namespace: target.namespace });
    const selector = Object.entries(service.spec?.selector ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const servicePort = service.spec?.ports?.find((p) => p.port === target.port) ?? service.spec?.ports?.[0];
    if (typeof servicePort?.targetPort === 'number') podPort = servicePort.targetPort;
    const pods = await api.core.listNamespacedPod({ namespace: target.namespace, labelSelector: selector });
    const ready = pods.items.find(
      (p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    podName = ready?.metadata?.name;
  } catch (err) {
    throw new CliError(`Could not find the result store's pod behind ${where}: ${(err as Error).message}. Pass --mongo-uri instead.`, { cause: err });
  }
  if (!podName) throw new CliError(`No ready pod behind ${where}: is MongoDB running? Pass --mongo-uri to reach it another way.`);
  const forward = new k8s.PortForward(api.kubeConfig);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    forward.portForward(target.namespace, podName ?? '', [podPort], socket, null, socket).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
