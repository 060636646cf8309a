// Shared set-up of the runner integration tests: the oppsim fixture built and
// stored as an artifact, a campaign on its own streams and database, and
// runner processes started exactly as a pod would run them (env from runnerEnv).
// Importing it does nothing: exit and signal handlers go in with the first thing to clean up.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { MongoClient, type Db } from 'mongodb';
import { packRuntimeTree, uploadArtifact } from '../../lib/store/artifacts.ts';
import { ensureCampaignConsumer, ensureStreams, publishPlanTask } from '../../lib/queue/jetstream.ts';
import { namespaceTaskStream, queueNames, type CampaignRef, type QueueNames } from '../../lib/queue/subjects.ts';
import { runnerPermissions } from '../../lib/queue/permissions.ts';
import { credsOptions, mintUserCreds } from '../../lib/queue/identity.ts';
import type { AttemptPolicy } from '../../lib/queue/task.ts';
import { ensureIndexes } from '../../lib/store/store.ts';
import { runnerEnv, type RunnerConfig } from '../../lib/engine/runner-config.ts';
import { buildFixture, makeFixtureRepo } from '../fixtures/fixture.ts';
import { launcherBinary, runnerNodeArgs } from './runner-command.ts';
import type { StackInfo } from '../stack/types.ts';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let bundle: Promise<string[]> | undefined;

// Temporary folders shared by a test process (fixture build, runner bundle) go when it exits.
const processDirs: string[] = [];
// Child processes must not outlive a test process that is stopped or times
// out: runners and servers are killed on exit and on the usual signals.
const onExit = new Set<() => void>();
let cleanUpInstalled = false;

/**
 * Installs, once and only when something needs cleaning up, the process's
 * exit handler and the signal handlers that turn a stop into an exit.
 */
function cleanUpAtExit(): void {
  if (cleanUpInstalled) return;
  cleanUpInstalled = true;
  process.once('exit', () => {
    for (const fn of onExit) fn();
    for (const d of processDirs) rmSync(d, { recursive: true, force: true });
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => process.exit(128 + (signal === 'SIGHUP' ? 1 : signal === 'SIGINT' ? 2 : 15)));
  }
}

/** Removes `dir` when the test process exits. */
function removeAtExit(dir: string): void {
  cleanUpAtExit();
  processDirs.push(dir);
}

/** Runs `fn` (synchronous: kill, not wait) when the test process exits for any reason but SIGKILL. */
export function killOnExit(fn: () => void): () => void {
  cleanUpAtExit();
  onExit.add(fn);
  return () => onExit.delete(fn);
}

/** The node arguments that start a runner (see runner-command.ts); bundled once per test process. */
export function runnerCommand(): Promise<string[]> {
  bundle ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runner-bundle-'));
    removeAtExit(dir);
    return runnerNodeArgs(dir);
  })();
  return bundle;
}

let fixture: Promise<{ archive: string; dir: string }> | undefined;

/** Builds oppsim once per test process and packs its runtime tree. */
export function fixtureArchive(): Promise<{ archive: string; dir: string }> {
  fixture ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runner-fixture-'));
    removeAtExit(dir);
    const { repoDir } = await makeFixtureRepo({ dir: join(dir, 'repo') });
    await buildFixture(repoDir);
    const archive = join(dir, 'runtime.tar.gz');
    await packRuntimeTree(repoDir, archive, ['.git', '*.o', '*.c', '*.h']);
    return { archive, dir };
  })();
  return fixture;
}

/** The servers a campaign uses: the shared stack's, or a test's own (the chaos test restarts them). */
export type Servers = Pick<StackInfo, 'nats' | 'mongo'>;

export interface Campaign {
  config: RunnerConfig;
  names: QueueNames;
  ref: CampaignRef;
  db: Db;
  mongo: MongoClient;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  dir: string;
  /** Starts a runner process; its output goes to `<dir>/<podName>.log`. */
  startRunner(podName?: string, extraEnv?: Record<string, string>): Runner;
  close(): Promise<void>;
}

export interface Runner {
  podName: string;
  /** True once the runner has connected and fetched its artifact (it then pulls tasks). */
  ready: boolean;
  child: ChildProcess;
  logFile: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface CampaignOptions {
  iniConfig: string;
  policy?: Partial<AttemptPolicy>;
  /** Overrides of the runner configuration (grace periods, AckWait, ...). */
  runner?: Partial<RunnerConfig>;
  /** Skip the plan task (tests that publish their own messages). */
  noPlan?: boolean;
  digest?: string;
}

/** Sets up one campaign on its own streams (prefix) and database, with the fixture artifact uploaded. */
export async function setupCampaign(servers: Servers, opts: CampaignOptions): Promise<Campaign> {
  const tag = randomBytes(4).toString('hex');
  const dir = await mkdtemp(join(tmpdir(), `runner-${opts.iniConfig.toLowerCase()}-`));
  const mongo = new MongoClient(servers.mongo.uri, { serverSelectionTimeoutMS: 30_000 });
  await mongo.connect();
  const db = mongo.db(`runner_${opts.iniConfig.toLowerCase()}_${tag}`);
  await ensureIndexes(db);
  const { archive } = await fixtureArchive();
  const digest = opts.digest ?? (await uploadArtifact(db, archive)).digest;
  const nc = await connect({ servers: servers.nats.url, ...credsOptions(servers.nats.creds), maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const names = queueNames(`T${tag}`);
  const ref: CampaignRef = { namespace: 'runner-test', campaign: opts.iniConfig.toLowerCase(), campaignUid: randomUUID() };
  const policy: AttemptPolicy = { maxAttempts: 3, retrySimulationErrors: false, runTimeoutMs: 30_000, ...opts.policy };
  const config = await testRunnerConfig(servers, opts, { ref, tag, dir, digest, database: db.databaseName });
  await ensureStreams(jsm, names, ref.namespace);
  await ensureCampaignConsumer(jsm, names, ref, { ackWaitMs: config.ackWaitMs });
  if (!opts.noPlan) await publishPlanTask(js, names, ref, policy);
  await mkdir(join(dir, 'logs'), { recursive: true });
  const runnerArgs = await runnerCommand();
  const runners: Runner[] = [];
  let count = 0;

  return {
    config,
    names,
    ref,
    db,
    mongo,
    nc,
    js,
    jsm,
    dir,
    startRunner(podName = `runner-${count++}`, extraEnv = {}) {
      const runner = startRunnerProcess(runnerArgs, { ...config, podName }, join(dir, 'logs', `${podName}.log`), extraEnv);
      runners.push(runner);
      return runner;
    },
    async close() {
      for (const r of runners) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
      await Promise.all(runners.map((r) => r.exited));
      await jsm.streams.delete(namespaceTaskStream(names, ref.namespace)).catch(() => undefined);
      await jsm.streams.delete(names.eventsStream).catch(() => undefined);
      await db.dropDatabase().catch(() => undefined);
      await nc.close();
      await mongo.close();
      // Logs stay when INETSWARM_TEST_KEEP=1, for a post-mortem.
      if (process.env.INETSWARM_TEST_KEEP !== '1') await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The configuration of a test campaign's runners: the fixture's simulation, short graces, the image's launcher. */
async function testRunnerConfig(
  servers: Servers,
  opts: CampaignOptions,
  c: { ref: CampaignRef; tag: string; dir: string; digest: string; database: string },
): Promise<RunnerConfig> {
  return {
    ...c.ref,
    podName: 'runner',
    // The runners' own user, as the operator mints it: the runner tests run with the namespace's permissions.
    nats: { url: servers.nats.url, creds: await mintUserCreds(servers.nats.signer, `runners of ${c.ref.namespace}`, runnerPermissions(queueNames(`T${c.tag}`), c.ref.namespace)) },
    mongo: { uri: servers.mongo.uri, database: c.database },
    queuePrefix: `T${c.tag}`,
    ackWaitMs: 10_000,
    heartbeatMs: 2_000,
    artifact: { digest: c.digest, cacheDir: join(c.dir, 'cache') },
    workDir: join(c.dir, 'work'),
    simulation: { executable: './oppsim', workingDir: '.', iniFiles: ['omnetpp.ini'], config: opts.iniConfig },
    results: { include: ['*.sca', '*.vec', '*.vci'], storeScalars: true },
    drainGraceMs: 2_000,
    shutdownGraceMs: 5_000,
    killGraceMs: 1_000,
    connectTimeoutMs: 20_000,
    // As in the runner image; `runner: { launcher: undefined }` tests the runner's own spawn.
    launcher: await launcherBinary(),
    ...opts.runner,
  };
}

/** Starts a runner process as a pod runs it (its env from runnerEnv), its output into `logFile`. */
function startRunnerProcess(runnerArgs: string[], config: RunnerConfig, logFile: string, extraEnv: Record<string, string>): Runner {
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, runnerArgs, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...runnerEnv(config), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const runner: Runner = { podName: config.podName, ready: false, child, logFile, exited };
  const forget = killOnExit(() => child.kill('SIGKILL'));
  void exited.then(forget);
  const onData = (chunk: Buffer) => {
    if (chunk.includes('Fetched artifact')) {
      runner.ready = true;
      child.stdout!.off('data', onData);
    }
  };
  child.stdout!.on('data', onData);
  return runner;
}

