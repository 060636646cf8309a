// Shared set-up of the campaign integration tests: one namespace and one
// database per test file, the fixture artifact stored and recorded as a
// finished build (the real InetBuild controller then marks the build
// Succeeded), the operator as a child process that can be killed, and runner
// processes started from the runner Job's own pod template.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { MongoClient, type Db } from 'mongodb';
import type { InetBuild, SimulationCampaign, SimulationCampaignSpec } from '../../api/v1alpha1.ts';
import { uploadArtifact } from '../../lib/store/artifacts.ts';
import { BUILDS_COLLECTION, type BuildRecord } from '../../lib/store/builds.ts';
import { ensureIndexes } from '../../lib/store/store.ts';
import type { StackInfo } from '../stack/types.ts';
import { freePort } from '../stack/process.ts';
import { eventually } from './eventually.ts';
import { fixtureArchive } from './runner-harness.ts';
import { containerCommand, containerEnv } from './pod-like.ts';
import { tenantDatabase } from '../../lib/store/tenant.ts';

export { eventually };

const run = promisify(execFile);
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const GROUP = { group: 'inetswarm.dev', version: 'v1alpha1' } as const;


export interface OperatorProcess {
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface Runner {
  pod: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

/** One test file's world: namespace, database, queue prefix, the fixture build, the operator and runners. */
export class CampaignWorld {
  readonly tag = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
  readonly namespace: string;
  readonly database: string;
  readonly queuePrefix: string;
  readonly kubeConfig = new KubeConfig();
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly batch: BatchV1Api;
  readonly mongo: MongoClient;
  readonly db: Db;
  dir = '';
  digest = '';
  artifactSize = 0;
  operator: OperatorProcess | undefined;
  private runners: Runner[] = [];
  private operators = 0;

  constructor(
    readonly stack: StackInfo,
    name: string,
  ) {
    this.namespace = `${name}-${this.tag}`;
    this.database = `${name.replaceAll('-', '_')}_${this.tag}`;
    this.queuePrefix = `C${this.tag}`;
    this.kubeConfig.loadFromFile(stack.kubeconfig);
    this.custom = this.kubeConfig.makeApiClient(CustomObjectsApi);
    this.core = this.kubeConfig.makeApiClient(CoreV1Api);
    this.batch = this.kubeConfig.makeApiClient(BatchV1Api);
    this.mongo = new MongoClient(stack.mongo.uri, { serverSelectionTimeoutMS: 30_000 });
    // The operator's prefix is `database`; this namespace's records live in its own database (lib/store/tenant.ts).
    this.db = this.mongo.db(tenantDatabase(this.database, this.namespace));
  }

  async kubectl(...args: string[]): Promise<string> {
    const { stdout } = await run(this.stack.k8sBinary, ['kubectl', '--kubeconfig', this.stack.kubeconfig, ...args]);
    return stdout;
  }

  /** CRDs, namespace, database indexes and the fixture artifact (or `archive`, a packed runtime tree). */
  async setUp(archive?: string): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), `campaign-${this.tag}-`));
    await this.kubectl('apply', '--server-side', '--force-conflicts', '-f', join(REPO_ROOT, 'crds'));
    await this.kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd/simulationcampaigns.inetswarm.dev', 'crd/inetbuilds.inetswarm.dev');
    await this.core.createNamespace({ body: { metadata: { name: this.namespace } } });
    await this.mongo.connect();
    await ensureIndexes(this.db);
    const stored = await uploadArtifact(this.db, archive ?? (await fixtureArchive()).archive, { namespace: this.namespace, build: 'test-harness' });
    this.digest = stored.digest;
    this.artifactSize = stored.size;
  }

  async tearDown(): Promise<void> {
    await this.stopRunners();
    await this.operator?.kill('SIGTERM');
    await this.core.deleteNamespace({ name: this.namespace }).catch(() => undefined);
    await this.db.dropDatabase().catch(() => undefined);
    await this.mongo.close();
  }

  /**
   * Creates an InetBuild and records its result as the builder would (the
   * `builds` document), so that the operator's InetBuild controller marks it
   * Succeeded with the fixture artifact. `omnetpp` sets the build's OMNeT++
   * fields (e.g. a runnerImage of its own); `artifact` is the artifact the
   * record claims (the fixture's by default).
   */
  async createReadyBuild(name: string, omnetpp?: InetBuild['spec']['omnetpp'], artifact = { digest: this.digest, size: this.artifactSize }): Promise<InetBuild> {
    const build = (await this.custom.createNamespacedCustomObject({
      ...GROUP,
      namespace: this.namespace,
      plural: 'inetbuilds',
      body: { apiVersion: 'inetswarm.dev/v1alpha1', kind: 'InetBuild', metadata: { name }, spec: { source: { repository: 'file:///fixture', revision: 'c'.repeat(40) }, ...(omnetpp ? { omnetpp } : {}) } },
    })) as InetBuild;
    const now = new Date();
    await this.db.collection<BuildRecord>(BUILDS_COLLECTION).insertOne({
      _id: build.metadata.uid ?? '',
      name,
      namespace: this.namespace,
      phase: 'Succeeded',
      startedAt: now,
      finishedAt: now,
      artifact,
    });
    return build;
  }

  async createCampaign(name: string, spec: Partial<SimulationCampaignSpec> & { config: string }): Promise<SimulationCampaign> {
    return (await this.custom.createNamespacedCustomObject({
      ...GROUP,
      namespace: this.namespace,
      plural: 'simulationcampaigns',
      body: {
        apiVersion: 'inetswarm.dev/v1alpha1',
        kind: 'SimulationCampaign',
        metadata: { name },
        spec: { buildRef: { name: 'fixture' }, simulation: { executable: './oppsim' }, ...spec },
      },
    })) as SimulationCampaign;
  }

  async getCampaign(name: string): Promise<SimulationCampaign> {
    return (await this.custom.getNamespacedCustomObject({ ...GROUP, namespace: this.namespace, plural: 'simulationcampaigns', name })) as SimulationCampaign;
  }

  async patchCampaignSpec(name: string, spec: Record<string, unknown>): Promise<void> {
    await this.kubectl('patch', 'simulationcampaign', name, '-n', this.namespace, '--type=merge', '-p', JSON.stringify({ spec }));
  }

  /** Waits until the campaign's status satisfies `until`. */
  async campaignWhere(name: string, what: string, until: (c: SimulationCampaign) => boolean, timeoutMs = 90_000): Promise<SimulationCampaign> {
    return eventually(`campaign ${name} ${what}`, async () => {
      const c = await this.getCampaign(name);
      return until(c) ? c : undefined;
    }, timeoutMs);
  }

  async runnerJob(campaign: string, minParallelism = 1): Promise<V1Job> {
    return eventually(`the runner Job of ${campaign} exists with parallelism >= ${minParallelism}`, async () => {
      const job = await this.batch.readNamespacedJob({ name: `${campaign}-runners`, namespace: this.namespace });
      return (job.spec?.parallelism ?? 0) >= minParallelism ? job : undefined;
    });
  }

  async runnerPods(campaign: string): Promise<V1Pod[]> {
    const pods = await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `inetswarm.dev/campaign=${campaign}` });
    return pods.items.filter((p) => !p.metadata?.deletionTimestamp);
  }

  /**
   * Starts the operator as `node --import tsx operator/main.ts` (or `node <compiledMain>`, a tsc-built
   * operator/main.js), configured for this namespace only, and waits until it leads.
   */
  async startOperator(extraEnv: Record<string, string> = {}, compiledMain?: string): Promise<OperatorProcess> {
    const logFile = join(this.dir, `operator-${this.operators++}.log`);
    const out = createWriteStream(logFile);
    const args = compiledMain ? [compiledMain] : ['--import', 'tsx', join(REPO_ROOT, 'operator', 'main.ts')];
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        KUBECONFIG: this.stack.kubeconfig,
        INETSWARM_MONGO_URI: this.stack.mongo.uri,
        INETSWARM_MONGO_DATABASE: this.database,
        INETSWARM_WATCH_NAMESPACE: this.namespace,
        INETSWARM_POD_NAMESPACE: this.namespace,
        INETSWARM_METRICS_PORT: String(await freePort()),
        INETSWARM_METRICS_HOST: '127.0.0.1',
        INETSWARM_LEASE_DURATION_SECONDS: '4',
        INETSWARM_LEASE_RENEW_DEADLINE_SECONDS: '3',
        INETSWARM_LEASE_RETRY_PERIOD_SECONDS: '0.5',
        INETSWARM_NATS_URL: this.stack.nats.url,
        INETSWARM_NATS_ACCOUNT: this.stack.nats.signer.account,
        INETSWARM_NATS_SIGNING_KEY: this.stack.nats.signer.signingSeed,
        INETSWARM_QUEUE_PREFIX: this.queuePrefix,
        // What a pod would use inside the cluster; the test swaps in the stack's address when it starts runners.
        INETSWARM_RUNNER_NATS_URL: 'nats://inet-swarm-nats.inet-swarm-system.svc:4222',
        INETSWARM_RUNNER_MONGO_URI: this.stack.mongo.uri,
        INETSWARM_ACK_WAIT_SECONDS: '10',
        INETSWARM_LOG_LEVEL: 'debug',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    const operator: OperatorProcess = {
      child,
      logFile,
      exited,
      kill: async (signal = 'SIGKILL') => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        await exited;
      },
    };
    this.operator = operator;
    await eventually('the operator started its controllers', async () => {
      if (child.exitCode !== null) throw new Error(`the operator exited with ${child.exitCode}: ${(await readFile(logFile, 'utf8')).slice(-2000)}`);
      const text = await readFile(logFile, 'utf8').catch(() => '');
      return text.includes('Started controllers') ? true : undefined;
    }, 60_000);
    return operator;
  }

  /**
   * Runs the runner Job's container for `pod` as the kubelet would: its
   * command (in this checkout instead of /app) with its environment, Secret
   * references resolved through the API and the pod name from the downward
   * API. Only host paths differ: NATS is the stack's, the caches are temp dirs.
   */
  async startRunner(job: V1Job, pod: string, extraEnv: Record<string, string> = {}): Promise<Runner> {
    const container = job.spec?.template.spec?.containers[0];
    if (!container?.args) throw new Error('the runner container has no args');
    const env: Record<string, string> = { ...(await containerEnv(this.core, this.namespace, container, pod)), HOME: this.dir };
    env.INETSWARM_NATS_URL = this.stack.nats.url;
    env.INETSWARM_ARTIFACT_CACHE = join(this.dir, pod, 'cache');
    env.INETSWARM_WORK_DIR = join(this.dir, pod, 'work');
    env.INETSWARM_DRAIN_GRACE_SECONDS = '2';
    // The pod's sandbox container (the launcher on its socket) is not started here: the runner spawns the simulations.
    delete env.INETSWARM_LAUNCHER_SOCKET;
    Object.assign(env, extraEnv);
    const logFile = join(this.dir, `${pod}.log`);
    const out = createWriteStream(logFile);
    const { command, args } = containerCommand(container);
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    const runner = { pod, child, logFile, exited };
    this.runners.push(runner);
    return runner;
  }

  /** Starts up to `count` runners, one per pod of the campaign's Job, named like those pods. */
  async startRunners(campaign: string, count: number, extraEnv: Record<string, string> = {}): Promise<Runner[]> {
    const job = await this.runnerJob(campaign);
    const pods = await eventually(`the runner pods of ${campaign} exist`, async () => {
      const list = await this.runnerPods(campaign);
      return list.length > 0 ? list : undefined;
    });
    const names = pods.map((p) => p.metadata?.name ?? '');
    while (names.length < count) names.push(`${campaign}-extra-${names.length}`);
    return Promise.all(names.slice(0, count).map((pod) => this.startRunner(job, pod, extraEnv)));
  }

  async stopRunners(): Promise<void> {
    for (const r of this.runners) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await Promise.all(this.runners.map((r) => r.exited));
    this.runners = [];
  }

  async events(campaign: string): Promise<string[]> {
    const list = await this.core.listNamespacedEvent({ namespace: this.namespace, fieldSelector: `involvedObject.name=${campaign}` });
    return list.items.map((e) => e.reason ?? '');
  }
}
