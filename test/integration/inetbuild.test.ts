// InetBuild end to end on the local stack: the operator (in this process)
// creates the distcc DaemonSet, the headless Service and the builder Job; the
// test runs the builder entrypoint with the command and environment of the
// Job's own pod template (kwok pods run no process), pointed at the stack's
// distccd daemons, and the launcher of the pod's `build` container listening
// on its socket as that container runs it, with an environment of its own;
// the operator then reports the outcome in the status.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1Job } from '@kubernetes/client-node';
import { MongoClient, type Db } from 'mongodb';
import { pino } from 'pino';
import { useStack } from '../stack/env.ts';
import { eventually } from '../support/eventually.ts';
import type { StackInfo } from '../stack/types.ts';
import { makeFixtureRepo } from '../fixtures/fixture.ts';
import { startOperator, type RunningOperator } from '../../operator/main.ts';
import { loadConfig } from '../../operator/config.ts';
import type { InetBuild } from '../../api/v1alpha1.ts';
import { tenantDatabase } from '../../lib/store/tenant.ts';
import { containerEnv } from '../support/pod-like.ts';
import { runBuilderContainer } from '../support/builder-process.ts';

const run = promisify(execFile);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const namespace = `inetbuild-${process.pid}-${Date.now().toString(36)}`;
const database = `inetbuild_${process.pid}_${Date.now().toString(36)}`;
const log = pino({ level: process.env.INETSWARM_TEST_LOG_LEVEL ?? 'silent' });

let stack: StackInfo;
let kubeConfig: KubeConfig;
let custom: CustomObjectsApi;
let core: CoreV1Api;
let operator: RunningOperator | undefined;
let mongo: MongoClient;
let db: Db;
/** Temporary folders (repositories, builder workspaces) removed after the tests. */
const temporary: string[] = [];

/** A fixture repository with a bare remote, both removed after the tests. */
async function fixtureRepo(): Promise<{ repoDir: string; commit: string; remoteDir: string }> {
  const repo = await makeFixtureRepo({ bare: true });
  temporary.push(repo.repoDir, repo.remoteDir ?? '');
  return { ...repo, remoteDir: repo.remoteDir ?? '' };
}


async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(stack.k8sBinary, ['kubectl', '--kubeconfig', stack.kubeconfig, ...args]);
  return stdout;
}

async function createBuild(name: string, repository: string, revision: string, commands = ['make -j$JOBS']): Promise<InetBuild> {
  return (await custom.createNamespacedCustomObject({
    group: 'inetswarm.dev',
    version: 'v1alpha1',
    namespace,
    plural: 'inetbuilds',
    body: {
      apiVersion: 'inetswarm.dev/v1alpha1',
      kind: 'InetBuild',
      metadata: { name },
      spec: { source: { repository, revision }, commands, distcc: { enabled: true } },
    },
  })) as InetBuild;
}

async function getBuild(name: string): Promise<InetBuild> {
  return (await custom.getNamespacedCustomObject({ group: 'inetswarm.dev', version: 'v1alpha1', namespace, plural: 'inetbuilds', name })) as InetBuild;
}

async function builderJob(build: InetBuild): Promise<V1Job> {
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  return eventually(`the operator created the builder Job of ${build.metadata.name ?? ''}`, async () => {
    const job = await batch.readNamespacedJob({ name: `${build.metadata.name ?? ''}-build`, namespace });
    return job.metadata?.ownerReferences?.some((r) => r.controller && r.uid === build.metadata.uid) ? job : undefined;
  });
}

/**
 * Runs the Job's container as the kubelet would: its command in its working
 * directory with its environment (Secret references resolved through the
 * API). Only the host paths differ: /app is this checkout, the workspace and
 * termination log are temp files, and the distcc peers come from the stack.
 */
async function runBuilderLikeThePod(job: V1Job): Promise<{ code: number; output: string; terminationMessage: string }> {
  const container = job.spec?.template.spec?.containers[0];
  assert.ok(container?.args, 'the builder container has args (the image\'s entrypoint stays)');
  assert.equal(container.workingDir, '/app');
  const env = await containerEnv(core, namespace, container, job.metadata?.name ?? 'builder');
  const workspace = await mkdtemp(join(tmpdir(), 'builder-ws-'));
  temporary.push(workspace);
  Object.assign(env, {
    INETSWARM_WORKSPACE: workspace,
    HOME: join(workspace, 'home'),
    INETSWARM_TERMINATION_LOG: join(workspace, 'termination-log'),
    INETSWARM_DISTCC_HOSTS: stack.distcc.hosts.join(','),
  });
  // The `build` container: the launcher on a socket of its own, with no environment but PATH.
  const sandbox = job.spec?.template.spec?.initContainers?.[0];
  assert.deepEqual([sandbox?.name, sandbox?.args?.slice(1)], ['build', ['--listen', env.INETSWARM_LAUNCHER_SOCKET]]);
  return runBuilderContainer(container, env, workspace);
}

async function finalStatus(name: string): Promise<InetBuild> {
  return eventually(`build ${name} finished`, async () => {
    const build = await getBuild(name);
    return build.status?.phase === 'Succeeded' || build.status?.phase === 'Failed' ? build : undefined;
  });
}

async function compileOkLines(): Promise<number> {
  let count = 0;
  for (const file of stack.distcc.logFiles) {
    const text = await readFile(file, 'utf8').catch(() => '');
    count += text.split('\n').filter((line) => line.includes('COMPILE_OK')).length;
  }
  return count;
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd });
  return stdout.trim();
}

before(async () => {
  stack = await useStack();
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(stack.kubeconfig);
  custom = kubeConfig.makeApiClient(CustomObjectsApi);
  core = kubeConfig.makeApiClient(CoreV1Api);
  await kubectl('apply', '--server-side', '-f', join(REPO_ROOT, 'crds'));
  await kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd/inetbuilds.inetswarm.dev');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  mongo = new MongoClient(stack.mongo.uri);
  // The operator's prefix is `database`; the namespace's records live in its own database.
  db = mongo.db(tenantDatabase(database, namespace));
  const config = loadConfig(
    {
      KUBECONFIG: stack.kubeconfig,
      INETSWARM_MONGO_URI: stack.mongo.uri,
      INETSWARM_MONGO_DATABASE: database,
      INETSWARM_WATCH_NAMESPACE: namespace,
      INETSWARM_POD_NAMESPACE: namespace,
      INETSWARM_METRICS_PORT: '0',
      INETSWARM_METRICS_HOST: '127.0.0.1',
      INETSWARM_LOG_LEVEL: process.env.INETSWARM_TEST_LOG_LEVEL ?? 'silent',
    },
    [],
  );
  operator = await startOperator(config, log);
  await operator.leading;
});

after(async () => {
  await operator?.stop();
  await db?.dropDatabase().catch(() => undefined);
  await mongo?.close();
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  await Promise.all(temporary.filter(Boolean).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('InetBuild', () => {
  it('builds the fixture model with distcc from the Job pod template and becomes Ready with the artifact digest', async () => {
    const { repoDir, commit, remoteDir } = await fixtureRepo();
    const sources = (await readdir(repoDir)).filter((f) => f.endsWith('.c'));
    const build = await createBuild('fixture', `file://${remoteDir}`, commit);

    const apps = kubeConfig.makeApiClient(AppsV1Api);
    const daemonSet = await eventually('the distcc DaemonSet exists', () => apps.readNamespacedDaemonSet({ name: 'inet-swarm-distcc', namespace }));
    assert.ok(
      daemonSet.spec?.template.spec?.tolerations?.some((t) => t.key === 'inetswarm.dev/pool' && t.value === 'runner' && t.effect === 'NoSchedule'),
      'distccd tolerates the runner pool taint',
    );
    const service = await eventually('the distcc Service exists', () => core.readNamespacedService({ name: 'inet-swarm-distcc', namespace }));
    assert.equal(service.spec?.clusterIP, 'None');
    const job = await builderJob(build);
    const pod = job.spec?.template.spec;
    assert.equal(pod?.containers[0]?.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(pod?.containers[0]?.securityContext?.runAsNonRoot, true);
    assert.ok(!JSON.stringify(pod).includes(stack.mongo.uri), 'the MongoDB URI is not in the pod spec');

    const compiledBefore = await compileOkLines();
    const result = await runBuilderLikeThePod(job);
    assert.equal(result.code, 0, `the builder succeeded:\n${result.output.slice(-3000)}`);
    const compiled = (await compileOkLines()) - compiledBefore;
    assert.ok(compiled >= sources.length, `distccd compiled the ${sources.length} sources (COMPILE_OK lines: ${compiled})`);

    const done = await finalStatus('fixture');
    assert.equal(done.status?.phase, 'Succeeded', JSON.stringify(done.status));
    const ready = done.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');
    assert.equal(ready?.reason, 'BuildSucceeded');
    assert.equal(ready?.observedGeneration, done.metadata.generation);
    assert.equal(done.status?.shortRevision, commit.slice(0, 12));
    assert.ok(done.status?.completionTime);
    const digest = done.status?.artifact?.digest ?? '';
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    const stored = await db.collection('artifacts.files').findOne({ filename: digest });
    assert.ok(stored, 'the artifact is in GridFS under its digest');
    assert.equal(stored.length, done.status?.artifact?.size);
    assert.equal(JSON.parse(result.terminationMessage).artifact.digest, digest);
  });

  it('fails with RevisionNotFound and a log tail when the revision is not in the repository', async () => {
    const { remoteDir } = await fixtureRepo();
    const build = await createBuild('bad-revision', `file://${remoteDir}`, 'f'.repeat(40));
    const result = await runBuilderLikeThePod(await builderJob(build));
    assert.notEqual(result.code, 0);
    const done = await finalStatus('bad-revision');
    assert.equal(done.status?.phase, 'Failed');
    assert.equal(done.status?.failure?.reason, 'RevisionNotFound');
    assert.match(done.status?.failure?.message ?? '', /ffffffffffff/);
    assert.ok((done.status?.failure?.logTail ?? '').length > 0, 'the failure has a log tail');
    const ready = done.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'RevisionNotFound');
  });

  it('fails with CloneFailed naming the repository when it cannot be reached', async () => {
    const { commit } = await fixtureRepo();
    const missing = join(tmpdir(), `no-such-repo-${process.pid}`);
    const build = await createBuild('unreachable', `file://${missing}`, commit);
    const result = await runBuilderLikeThePod(await builderJob(build));
    assert.notEqual(result.code, 0);
    const done = await finalStatus('unreachable');
    assert.equal(done.status?.phase, 'Failed');
    assert.equal(done.status?.failure?.reason, 'CloneFailed');
    assert.match(done.status?.failure?.message ?? '', new RegExp(`Cannot clone file://${missing}`));
  });

  it('fails with CompileFailed, the compiler error in the log tail and a Warning event when a source does not compile', async () => {
    const { repoDir, remoteDir } = await fixtureRepo();
    await appendFile(join(repoDir, 'main.c'), '\nint broken_on_purpose(void) { return no_such_symbol; }\n');
    await git(repoDir, 'commit', '-q', '-am', 'break the build');
    await git(repoDir, 'push', '-q', 'origin', 'main');
    const commit = await git(repoDir, 'rev-parse', 'HEAD');
    const build = await createBuild('compile-error', `file://${remoteDir}`, commit);
    const result = await runBuilderLikeThePod(await builderJob(build));
    assert.notEqual(result.code, 0);
    const done = await finalStatus('compile-error');
    assert.equal(done.status?.phase, 'Failed');
    assert.equal(done.status?.failure?.reason, 'CompileFailed');
    assert.match(done.status?.failure?.logTail ?? '', /no_such_symbol/);
    const events = await eventually('a Warning event was emitted', async () => {
      const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=compile-error` });
      return list.items.some((e) => e.type === 'Warning') ? list.items : undefined;
    });
    assert.ok(events.some((e) => e.reason === 'CompileFailed'));
  });

  it('runs the build commands in the build container, which gets no store URI and none of the builder\'s settings', async () => {
    const { remoteDir, commit } = await fixtureRepo();
    const build = await createBuild('env-probe', `file://${remoteDir}`, commit, ['env | sort; exit 3']);
    const result = await runBuilderLikeThePod(await builderJob(build));
    assert.notEqual(result.code, 0);
    const done = await finalStatus('env-probe');
    const tail = done.status?.failure?.logTail ?? '';
    assert.match(tail, /^PATH=/m, tail);
    assert.match(tail, /^MODE=release$/m, 'the compile environment arrives');
    assert.doesNotMatch(tail, /INETSWARM_|mongodb:\/\//, tail);
  });
});
