// A private repository on the local stack (kwok nodes): git's own HTTP server
// (`git http-backend`, test/support/git-http-server.ts) demands a token; the
// CLI refuses the token in the remote URL and submits the objects with
// --git-credentials; the operator (in this process) creates the builder Job,
// which the test runs with the command, environment and Secret volume of its
// pod template. The build succeeds with the token, and the token is in no
// object, Event, log line or message. A submodule, or a redirect, on a second
// server that asks for credentials gets none.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1Container, type V1Job } from '@kubernetes/client-node';
import { MongoClient, type Db } from 'mongodb';
import { pino } from 'pino';
import { useStack } from '../stack/env.ts';
import { GIT_PACKAGES, ensureDebianPackages } from '../stack/system-packages.ts';
import type { StackInfo } from '../stack/types.ts';
import { eventually } from '../support/eventually.ts';
import { containerEnv } from '../support/pod-like.ts';
import { tenantDatabase } from '../../lib/store/tenant.ts';
import { runBuilderContainer } from '../support/builder-process.ts';
import { cliEnv, runCli } from '../support/cli.ts';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.ts';
import { makeFixtureRepo } from '../fixtures/fixture.ts';
import { startOperator, type RunningOperator } from '../../operator/main.ts';
import { loadConfig } from '../../operator/config.ts';
import type { InetBuild } from '../../api/v1alpha1.ts';

const exec = promisify(execFile);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const suffix = `${process.pid}-${Date.now().toString(36)}`;
const namespace = `gitcreds-${suffix}`;
const database = `gitcreds_${suffix.replace('-', '_')}`;
const USER = 'lab-bot';
const TOKEN = `glpat-${randomBytes(12).toString('hex')}`;
/** The token as every form it could leak in: itself, `user:token` in base64 (an Authorization header), the token in base64 (a Secret's data). */
const LEAKS = [TOKEN, Buffer.from(`${USER}:${TOKEN}`).toString('base64'), Buffer.from(TOKEN).toString('base64')];

let stack: StackInfo;
let kubeConfig: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let operator: RunningOperator | undefined;
let mongo: MongoClient;
let db: Db;
let root: string;
/** The repository's host, which takes the token; the other host (127.0.0.2), which asks for credentials and takes none. */
let own: GitHttpServer;
let other: GitHttpServer;
const operatorLog: string[] = [];
const temporary: string[] = [];

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', ['-c', 'protocol.file.allow=always', ...args], { cwd });
  return stdout.trim();
}

/** The fixture model pushed to a bare repository served as `<own>/<name>.git`, and its checkout. */
async function servedRepo(name: string): Promise<{ repoDir: string; commit: string; bare: string }> {
  const repo = await makeFixtureRepo({ bare: true });
  temporary.push(repo.repoDir, repo.remoteDir ?? '');
  const bare = join(root, `${name}.git`);
  await exec('git', ['clone', '-q', '--bare', repo.remoteDir ?? '', bare]);
  return { repoDir: repo.repoDir, commit: repo.commit, bare };
}

const crd = { group: 'inetswarm.dev', version: 'v1alpha1', namespace };

async function getBuild(name: string): Promise<InetBuild> {
  return (await custom.getNamespacedCustomObject({ ...crd, plural: 'inetbuilds', name })) as InetBuild;
}

async function createBuild(name: string, repository: string, revision: string): Promise<InetBuild> {
  const body = { apiVersion: 'inetswarm.dev/v1alpha1', kind: 'InetBuild', metadata: { name }, spec: { source: { repository, revision, credentialsSecretRef: { name: 'git-token' } }, commands: ['make -j$JOBS'], distcc: { enabled: false } } };
  return (await custom.createNamespacedCustomObject({ ...crd, plural: 'inetbuilds', body })) as InetBuild;
}

async function builderJob(build: InetBuild): Promise<V1Job> {
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  return eventually(`the builder Job of ${build.metadata.name ?? ''}`, async () => {
    const job = await batch.readNamespacedJob({ name: `${build.metadata.name ?? ''}-build`, namespace });
    return job.metadata?.ownerReferences?.some((r) => r.uid === build.metadata.uid) ? job : undefined;
  });
}

/** The Job's secret volume mounted where `dir` is, written out as the kubelet would: one file per key. */
async function mountSecretVolume(job: V1Job, container: V1Container, dir: string): Promise<string> {
  const mount = container.volumeMounts?.find((m) => m.mountPath === dir);
  const secretName = job.spec?.template.spec?.volumes?.find((v) => v.name === mount?.name)?.secret?.secretName;
  assert.ok(secretName, `a Secret volume is mounted at ${dir}`);
  const secret = await core.readNamespacedSecret({ name: secretName, namespace });
  const target = await mkdtemp(join(tmpdir(), 'git-credentials-'));
  temporary.push(target);
  for (const [key, value] of Object.entries(secret.data ?? {})) await writeFile(join(target, key), Buffer.from(value, 'base64'));
  return target;
}

/** Runs the Job's clone-and-build container as the kubelet would; returns its exit code, output and termination message. */
async function runBuilder(job: V1Job): Promise<{ code: number; output: string; terminationMessage: string }> {
  const container = job.spec?.template.spec?.containers.find((c) => c.env?.some((e) => e.name === 'INETSWARM_GIT_REPOSITORY'));
  assert.ok(container, 'a container of the builder Job clones the repository');
  const env = await containerEnv(core, namespace, container, job.metadata?.name ?? 'builder');
  const workspace = await mkdtemp(join(tmpdir(), 'gitcreds-ws-'));
  temporary.push(workspace);
  await mkdir(join(workspace, 'home'));
  Object.assign(env, {
    INETSWARM_WORKSPACE: workspace,
    HOME: join(workspace, 'home'),
    INETSWARM_TERMINATION_LOG: join(workspace, 'termination-log'),
    INETSWARM_GIT_CREDENTIALS_DIR: await mountSecretVolume(job, container, env.INETSWARM_GIT_CREDENTIALS_DIR ?? ''),
  });
  return runBuilderContainer(container, env, workspace);
}

async function finished(name: string): Promise<InetBuild> {
  return eventually(`build ${name} finished`, async () => {
    const build = await getBuild(name);
    return build.status?.phase === 'Succeeded' || build.status?.phase === 'Failed' ? build : undefined;
  });
}

/** Fails naming each place where the token appears in any of its forms. */
function assertNoToken(places: Record<string, unknown>): void {
  const found = Object.entries(places).flatMap(([where, value]) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return LEAKS.filter((leak) => text.includes(leak)).map(() => where);
  });
  assert.deepEqual(found, [], `the token appears in: ${found.join(', ')}`);
}

/** Every place a credential must not reach, for one build (and its campaign, when there is one). */
async function everyPlace(buildName: string, builder: { output: string; terminationMessage: string }, campaign?: string): Promise<Record<string, unknown>> {
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  return {
    'the InetBuild (spec, status, metadata)': await getBuild(buildName),
    'the campaign': campaign ? await custom.getNamespacedCustomObject({ ...crd, plural: 'simulationcampaigns', name: campaign }) : '',
    'the Events of the namespace': (await core.listNamespacedEvent({ namespace })).items,
    'the Jobs of the namespace': (await batch.listNamespacedJob({ namespace })).items,
    'the pods of the namespace': (await core.listNamespacedPod({ namespace })).items,
    "the builder's log lines": builder.output,
    'the termination message': builder.terminationMessage,
    "the operator's log lines": operatorLog.join(''),
    'the builds record': await buildRecords(buildName),
    'kubectl get inetbuilds -o wide': (await exec(stack.k8sBinary, ['kubectl', '--kubeconfig', stack.kubeconfig, '-n', namespace, 'get', 'inetbuilds', '-o', 'wide'])).stdout,
  };
}

/** The builder's records of a build: there is one, or the search for the token in them would prove nothing. */
async function buildRecords(name: string): Promise<unknown[]> {
  const records = await db.collection('builds').find({ name }).toArray();
  assert.ok(records.length > 0, `no builds record of ${name} in ${db.databaseName}`);
  return records;
}

before(async () => {
  await ensureDebianPackages(GIT_PACKAGES);
  stack = await useStack();
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(stack.kubeconfig);
  core = kubeConfig.makeApiClient(CoreV1Api);
  custom = kubeConfig.makeApiClient(CustomObjectsApi);
  await exec(stack.k8sBinary, ['kubectl', '--kubeconfig', stack.kubeconfig, 'apply', '--server-side', '--force-conflicts', '-f', join(REPO_ROOT, 'crds')]);
  await exec(stack.k8sBinary, ['kubectl', '--kubeconfig', stack.kubeconfig, 'wait', '--for=condition=Established', '--timeout=60s', 'crd/inetbuilds.inetswarm.dev']);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'git-token' }, stringData: { username: USER, password: TOKEN } } });
  root = await mkdtemp(join(tmpdir(), 'gitcreds-root-'));
  temporary.push(root);
  other = await startGitHttpServer({ root, host: '127.0.0.2' });
  own = await startGitHttpServer({ root, host: '127.0.0.1', accept: `${USER}:${TOKEN}`, redirects: { '/moved/': `${other.url}/` } });
  mongo = new MongoClient(stack.mongo.uri);
  // The operator's prefix is `database`; the namespace's records live in its own database.
  db = mongo.db(tenantDatabase(database, namespace));
  const sink = new Writable({ write: (chunk: Buffer, _encoding, next) => (operatorLog.push(chunk.toString()), next()) });
  const config = loadConfig(
    {
      KUBECONFIG: stack.kubeconfig,
      INETSWARM_MONGO_URI: stack.mongo.uri,
      INETSWARM_MONGO_DATABASE: database,
      INETSWARM_WATCH_NAMESPACE: namespace,
      INETSWARM_POD_NAMESPACE: namespace,
      INETSWARM_METRICS_PORT: '0',
      INETSWARM_METRICS_HOST: '127.0.0.1',
      INETSWARM_NATS_URL: stack.nats.url,
      INETSWARM_NATS_ACCOUNT: stack.nats.signer.account,
      INETSWARM_NATS_SIGNING_KEY: stack.nats.signer.signingSeed,
      INETSWARM_QUEUE_PREFIX: `gitcreds${process.pid}`,
      INETSWARM_RUNNER_NATS_URL: 'nats://inet-swarm-nats.inet-swarm-system.svc:4222',
      INETSWARM_RUNNER_MONGO_URI: stack.mongo.uri,
      INETSWARM_LOG_LEVEL: 'debug',
    },
    [],
  );
  operator = await startOperator(config, pino({ level: 'debug' }, sink));
  await operator.leading;
});

after(async () => {
  await operator?.stop();
  await Promise.all([own?.close(), other?.close()]);
  await db?.dropDatabase().catch(() => undefined);
  await mongo?.close();
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  await Promise.all(temporary.filter(Boolean).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('a private repository cloned with a token', () => {
  it('is refused by the CLI while the token is in the remote URL, with the Secret and --git-credentials to use instead', async () => {
    const { repoDir } = await servedRepo('refused');
    await git(repoDir, 'remote', 'set-url', 'origin', `${own.url.replace('//', `//${USER}:${TOKEN}@`)}/refused.git`);
    const result = await runCli(['run', '--dry-run', '-n', namespace], { cwd: repoDir, env: cliEnv() });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /has a password in it.*git remote set-url origin http:\/\/127\.0\.0\.1:\d+\/refused\.git/s);
    assert.match(result.stderr, /kubectl create secret generic git-token --from-literal=username=<user> --from-literal=password=<token>\n\s+inet-swarm run --git-credentials git-token/);
    assertNoToken({ 'the CLI\'s output': result.stdout + result.stderr });
  });

  it('builds with the token from the Secret, and the token is in no object, Event, log line or message', async () => {
    const { repoDir, commit } = await servedRepo('model');
    await git(repoDir, 'remote', 'set-url', 'origin', `${own.url}/model.git`);
    const dryRun = await runCli(['run', '--dry-run', '--json', '-n', namespace, '--git-credentials', 'git-token'], { cwd: repoDir, env: cliEnv() });
    assert.equal(dryRun.code, 0, dryRun.stderr);
    const { build, campaign } = JSON.parse(dryRun.stdout) as { build: InetBuild; campaign: { metadata: { name: string } } };
    assert.deepEqual(build.spec.source, { repository: `${own.url}/model.git`, revision: commit, credentialsSecretRef: { name: 'git-token' } });
    // The build command fails the build if git's helper or the key's copy is still in the workspace.
    const commands = ['test ! -e "$INETSWARM_WORKSPACE/.credentials" && make -j$JOBS'];
    await custom.createNamespacedCustomObject({ ...crd, plural: 'inetbuilds', body: { ...build, spec: { ...build.spec, commands, distcc: { enabled: false } } } });
    await custom.createNamespacedCustomObject({ ...crd, plural: 'simulationcampaigns', body: campaign });

    const builder = await runBuilder(await builderJob(await getBuild(build.metadata.name ?? '')));
    assert.equal(builder.code, 0, `the builder succeeded:\n${builder.output.slice(-3000)}`);
    assert.equal((await finished(build.metadata.name ?? '')).status?.phase, 'Succeeded');
    assert.ok(own.requests.some((r) => r.credential === `${USER}:${TOKEN}`), 'the repository\'s host was sent the token');
    assert.ok(own.requests.some((r) => r.credential === undefined), 'and asked for it first (401)');
    await eventually('the campaign controller saw the campaign', async () => {
      const seen = (await custom.getNamespacedCustomObject({ ...crd, plural: 'simulationcampaigns', name: campaign.metadata.name })) as { status?: unknown };
      return seen.status ? seen : undefined;
    });
    assertNoToken(await everyPlace(build.metadata.name ?? '', builder, campaign.metadata.name));
  });

  it('gives nothing to a submodule on another host that asks for credentials', async () => {
    const { repoDir } = await servedRepo('with-sub');
    const sub = await makeFixtureRepo({ bare: true });
    temporary.push(sub.repoDir, sub.remoteDir ?? '');
    await git(repoDir, 'submodule', 'add', '-q', `file://${sub.remoteDir ?? ''}`, 'lib/sub');
    await git(repoDir, 'config', '-f', '.gitmodules', 'submodule.lib/sub.url', `${other.url}/sub.git`);
    await git(repoDir, 'commit', '-q', '-am', 'a submodule on another host');
    await git(repoDir, 'push', '-q', 'origin', 'main');
    const commit = await git(repoDir, 'rev-parse', 'HEAD');
    await exec('git', ['-C', join(root, 'with-sub.git'), 'fetch', '-q', repoDir, 'main:main']);
    const asked = other.requests.length;

    const builder = await runBuilder(await builderJob(await createBuild('with-sub', `${own.url}/with-sub.git`, commit)));
    assert.notEqual(builder.code, 0);
    const done = await finished('with-sub');
    assert.equal(done.status?.failure?.reason, 'CloneFailed', JSON.stringify(done.status));
    assert.match(done.status?.failure?.message ?? '', /submodules/);
    const toOther = other.requests.slice(asked);
    assert.ok(toOther.length > 0, 'the submodule\'s host was asked');
    assert.deepEqual(toOther.map((r) => r.credential), toOther.map(() => undefined), 'and was sent no credential');
    assert.ok(own.requests.some((r) => r.path.startsWith('/with-sub.git/') && r.credential === `${USER}:${TOKEN}`), 'the repository itself was cloned with the token');
    assertNoToken(await everyPlace('with-sub', builder));
  });

  it('gives nothing to another host that the repository\'s host redirects to', async () => {
    const { commit } = await servedRepo('redirected');
    const asked = other.requests.length;
    const builder = await runBuilder(await builderJob(await createBuild('redirected', `${own.url}/moved/redirected.git`, commit)));
    assert.notEqual(builder.code, 0);
    assert.equal((await finished('redirected')).status?.failure?.reason, 'CloneFailed');
    const toOther = other.requests.slice(asked);
    assert.ok(toOther.some((r) => r.path.startsWith('/redirected.git/')), 'git followed the redirect to the other host');
    assert.deepEqual(toOther.map((r) => r.credential), toOther.map(() => undefined), 'which was sent no credential');
    assertNoToken(await everyPlace('redirected', builder));
  });
});
