// The results service process: reads its settings, connects to the store and
// the cluster (its own ServiceAccount: get/list/watch of the two custom
// resources, SubjectAccessReviews, and the aggregation layer's ConfigMap), and
// serves the aggregated API until SIGTERM, when it stops taking requests and
// closes the store.
import { AuthorizationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { tenantDbs } from '../lib/store/tenant-dbs.ts';
import { AccessReviewer } from './auth/access.ts';
import { readServiceConfig } from './config.ts';
import { extensions } from './extensions.ts';
import { startResultsServer } from './server.ts';

async function main(): Promise<void> {
  const config = readServiceConfig(process.env);
  const log = pino({ level: config.logLevel, base: { component: 'results' } });
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const mongo = new MongoClient(config.mongoUri, { serverSelectionTimeoutMS: 15_000 });
  await mongo.connect();
  // Indexes are made by whoever writes a namespace's database first (runners; the operator for builds).
  const store = tenantDbs(mongo, config.database);
  const [cert, key] = await Promise.all([readFile(config.tlsCertFile, 'utf8'), readFile(config.tlsKeyFile, 'utf8')]);
  const server = await startResultsServer({
    context: { store, kc, custom: kc.makeApiClient(CustomObjectsApi), access: new AccessReviewer(kc.makeApiClient(AuthorizationV1Api)) },
    core: kc.makeApiClient(CoreV1Api),
    tls: { cert, key },
    host: config.host,
    port: config.port,
    extensions: extensions(store, log),
    log,
  });
  log.info({ port: server.port }, 'results service listening');
  const stop = async (): Promise<void> => {
    log.info('stopping');
    await server.close();
    await mongo.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`results service: ${(err as Error).message}\n`);
  process.exit(1);
});
