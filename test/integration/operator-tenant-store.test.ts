// Each namespace's own MongoDB user and database, on the local stack (kwok
// nodes: no builder runs; the test writes what a builder or runner would).
// Two operators run in this process, one per namespace, with one database
// prefix, as one cluster-wide operator would serve both. Shown here: the
// operator creates the namespace's user and puts a URI for it, never the
// admin's, into the namespace's builder Secret; that URI authenticates and
// reads and writes its own database; a wrong password is refused; an existing
// Secret's password is kept across an operator restart and a missing user is
// created again; a build record written into namespace A's database never
// decides a build of namespace B, because the operator reads B's records in
// B's database only.
//
// What FerretDB 1.24 (the stack's store) does not enforce: roles. It refuses
// createUser with any role (NotImplemented), so the operator creates the user
// without one, and every authenticated user may then read and write every
// database. That A's login is refused B's database is therefore NOT proven
// here; the last test asserts the opposite, so that it fails (and this comment
// must change) on a server that starts enforcing roles. On MongoDB (the
// chart's, run with --auth) the user gets readWrite on its own database only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { MongoClient, MongoServerError } from 'mongodb';
import { pino } from 'pino';
import type { InetBuild } from '../../api/v1alpha1.ts';
import { loadConfig } from '../../operator/config.ts';
import { startOperator, type RunningOperator } from '../../operator/main.ts';
import { BUILDS_COLLECTION, type BuildRecord } from '../../lib/store/builds.ts';
import { tenantDatabase, tenantUser } from '../../lib/store/tenant.ts';
import { useStack } from '../stack/env.ts';
import { REPO_ROOT, eventually } from '../support/campaign.ts';
import { stackKubectl } from '../support/chart.ts';

const stack = await useStack();
const tag = randomBytes(3).toString('hex');
const prefix = `tenants_${tag}`;
const namespaces = { a: `tenant-a-${tag}`, b: `tenant-b-${tag}` };
const log = pino({ level: process.env.INETSWARM_TEST_LOG_LEVEL ?? 'silent' });
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(stack.kubeconfig);
const core = kubeConfig.makeApiClient(CoreV1Api);
const custom = kubeConfig.makeApiClient(CustomObjectsApi);
const admin = new MongoClient(stack.mongo.uri);
const operators = new Map<string, RunningOperator>();
const clients: MongoClient[] = [];

async function startFor(namespace: string): Promise<RunningOperator> {
  const env = {
    KUBECONFIG: stack.kubeconfig,
    INETSWARM_MONGO_URI: stack.mongo.uri,
    INETSWARM_MONGO_DATABASE: prefix,
    INETSWARM_WATCH_NAMESPACE: namespace,
    INETSWARM_POD_NAMESPACE: namespace,
    INETSWARM_METRICS_PORT: '0',
    INETSWARM_METRICS_HOST: '127.0.0.1',
  };
  const operator = await startOperator(loadConfig(env, []), log);
  await operator.leading;
  operators.set(namespace, operator);
  return operator;
}

async function stopFor(namespace: string): Promise<void> {
  await operators.get(namespace)?.stop();
  operators.delete(namespace);
}

function createBuild(namespace: string, name: string): Promise<InetBuild> {
  const body = { apiVersion: 'inetswarm.dev/v1alpha1', kind: 'InetBuild', metadata: { name }, spec: { source: { repository: 'https://git.example.org/m.git', revision: 'a'.repeat(40) } } };
  return custom.createNamespacedCustomObject({ group: 'inetswarm.dev', version: 'v1alpha1', namespace, plural: 'inetbuilds', body }) as Promise<InetBuild>;
}

function getBuild(namespace: string, name: string): Promise<InetBuild> {
  return custom.getNamespacedCustomObject({ group: 'inetswarm.dev', version: 'v1alpha1', namespace, plural: 'inetbuilds', name }) as Promise<InetBuild>;
}

/** The store URI the operator wrote into the namespace's builder Secret. */
function builderSecretUri(namespace: string): Promise<string> {
  return eventually(`the builder Secret of ${namespace}`, async () => {
    const secret = await core.readNamespacedSecret({ name: 'inet-swarm-builder', namespace }).catch(() => undefined);
    const uri = secret?.data?.uri;
    return uri ? Buffer.from(uri, 'base64').toString('utf8') : undefined;
  });
}

function connect(uri: string): Promise<MongoClient> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  clients.push(client);
  return client.connect();
}

/** Reconciles the operator's InetBuild controller has finished so far (its metrics). */
async function reconciles(operator: RunningOperator): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${operator.metricsPort}/metrics`)).text();
  return [...text.matchAll(/^inetswarm_reconciles_total\{controller="inetbuild",[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

before(async () => {
  const kubectl = stackKubectl(stack);
  const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(REPO_ROOT, 'crds')]);
  assert.equal(applied.code, 0, applied.stderr);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/inetbuilds.inetswarm.dev']);
  for (const name of Object.values(namespaces)) await core.createNamespace({ body: { metadata: { name } } });
  await admin.connect();
  for (const namespace of Object.values(namespaces)) await startFor(namespace);
});

after(async () => {
  for (const namespace of [...operators.keys()]) await stopFor(namespace);
  for (const client of clients) await client.close().catch(() => undefined);
  for (const namespace of Object.values(namespaces)) {
    const db = admin.db(tenantDatabase(prefix, namespace));
    await db.command({ dropUser: tenantUser(namespace) }).catch(() => undefined);
    await db.dropDatabase().catch(() => undefined);
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
  await admin.close();
});

test("the builder Secret holds the namespace's own login, not the admin's, and it reads and writes its database", async () => {
  await createBuild(namespaces.a, 'first');
  const uri = await builderSecretUri(namespaces.a);
  const database = tenantDatabase(prefix, namespaces.a);
  assert.match(uri, new RegExp(`^mongodb://${tenantUser(namespaces.a)}:[^@]+@127\\.0\\.0\\.1:\\d+/${database}\\?authSource=${database}$`));
  const adminLogin = /^mongodb:\/\/([^:]+):([^@]+)@/.exec(stack.mongo.uri);
  assert.ok(adminLogin?.[1] && adminLogin[2]);
  assert.ok(!uri.includes(adminLogin[2]) && !uri.includes(`//${adminLogin[1]}:`), 'the admin credential is not in the Secret');
  const tenant = await connect(uri);
  await tenant.db(database).collection('probe').insertOne({ _id: 'written-by-tenant' } as never);
  assert.deepEqual(await admin.db(database).collection('probe').findOne({}), { _id: 'written-by-tenant' });
  assert.deepEqual(await tenant.db(database).collection('probe').findOne({}), { _id: 'written-by-tenant' });
});

test('a wrong password for the namespace user is refused', async () => {
  const uri = await builderSecretUri(namespaces.a);
  const wrong = uri.replace(/:[^:@/]+@/, `:${randomBytes(12).toString('base64url')}@`);
  assert.notEqual(wrong, uri);
  await assert.rejects(connect(wrong), (error: unknown) => error instanceof MongoServerError && error.code === 18);
});

test("an operator restart keeps the Secret's password, and a user that is gone is created again with it", async () => {
  const before = await builderSecretUri(namespaces.a);
  await stopFor(namespaces.a);
  const database = admin.db(tenantDatabase(prefix, namespaces.a));
  await database.command({ dropUser: tenantUser(namespaces.a) });
  await assert.rejects(connect(before), (error: unknown) => error instanceof MongoServerError && error.code === 18);
  await startFor(namespaces.a);
  const login = await eventually('the namespace user exists again', async () => {
    const users = (await database.command({ usersInfo: tenantUser(namespaces.a) })).users as unknown[];
    return users.length > 0 ? users : undefined;
  });
  assert.equal(login.length, 1);
  assert.equal(await builderSecretUri(namespaces.a), before);
  const tenant = await connect(before);
  assert.equal((await tenant.db(database.databaseName).command({ ping: 1 })).ok, 1);
});

test("a build record in namespace A's database never decides a build of namespace B", async () => {
  const operatorB = operators.get(namespaces.b);
  assert.ok(operatorB);
  const build = await createBuild(namespaces.b, 'target');
  await builderSecretUri(namespaces.b);
  // Tenant A's own login forges a success of B's build in the only database it is given.
  const tenantA = await connect(await builderSecretUri(namespaces.a));
  const forged: BuildRecord = { _id: build.metadata.uid ?? '', name: 'target', namespace: namespaces.b, phase: 'Succeeded', startedAt: new Date(), finishedAt: new Date(), artifact: { digest: `sha256:${'f'.repeat(64)}`, size: 1 } };
  await tenantA.db(tenantDatabase(prefix, namespaces.a)).collection<BuildRecord>(BUILDS_COLLECTION).insertOne(forged);
  // B's build is the only one operator B keeps polling: two more reconciles mean it has looked since the forgery.
  const seen = await reconciles(operatorB);
  await eventually('operator B reconciled the build after the forgery', async () => ((await reconciles(operatorB)) >= seen + 2 ? true : undefined));
  assert.notEqual((await getBuild(namespaces.b, 'target')).status?.phase, 'Succeeded');
  // B's own record, in B's database, is what decides.
  const genuine: BuildRecord = { ...forged, phase: 'Failed', artifact: undefined, failure: { reason: 'CompileFailed', message: 'the genuine record of B' } };
  delete genuine.artifact;
  await admin.db(tenantDatabase(prefix, namespaces.b)).collection<BuildRecord>(BUILDS_COLLECTION).insertOne(genuine);
  const final = await eventually('build B failed by its own record', async () => {
    const current = await getBuild(namespaces.b, 'target');
    return current.status?.phase === 'Failed' || current.status?.phase === 'Succeeded' ? current : undefined;
  });
  assert.equal(final.status?.phase, 'Failed');
  assert.match(JSON.stringify(final.status), /the genuine record of B/);
});

test("FerretDB enforces no roles: A's login can write B's database (not proven: that MongoDB refuses it; see the header)", async () => {
  const tenantA = await connect(await builderSecretUri(namespaces.a));
  const other = tenantDatabase(prefix, namespaces.b);
  await tenantA.db(other).collection('ferretdb-limit').insertOne({ _id: 'roles are not enforced' } as never);
  assert.ok(await admin.db(other).collection('ferretdb-limit').findOne({}));
});
