// Shared set-up of the benchmarks: the oppsim fixture built once, the
// benchmark's own servers (never the shared test stack), inet-swarm runner
// processes started exactly as a pod runs them (env from runnerEnv), and the
// Python virtual environment with RQ for the seed-technology comparison.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Db, MongoClient } from 'mongodb';
import { packRuntimeTree, uploadArtifact } from '../../lib/store/artifacts.ts';
import { ensureCampaignConsumer, ensureStreams } from '../../lib/queue/jetstream.ts';
import { consumerName, eventSubject, namespaceTaskStream, queueNames, type CampaignRef, type QueueNames } from '../../lib/queue/subjects.ts';
import { credsOptions } from '../../lib/queue/identity.ts';
import { runnerEnv, type RunnerConfig } from '../../lib/engine/runner-config.ts';
import type { SimulationSpec } from '../../lib/engine/command.ts';
import { buildFixture, makeFixtureRepo } from '../fixtures/fixture.ts';
import { launcherBinary, runnerNodeArgs } from '../support/runner-command.ts';
import { childProcesses, procStat } from '../support/proc.ts';
import { cacheRoot } from '../stack/cache.ts';
import type { StackInfo } from '../stack/types.ts';
import type { Completion } from './stats.ts';

const exec = promisify(execFile);

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RQ_DIR = join(REPO_ROOT, 'test', 'bench', 'rq');

/** The simulation spec of an oppsim config, as a campaign of the fixture has it. */
export function fixtureSpec(config: string): SimulationSpec {
  return { executable: './oppsim', workingDir: '.', iniFiles: ['omnetpp.ini'], config };
}

/** Builds oppsim in a fresh checkout under `dir` and packs its runtime tree as the runners' artifact. */
export async function prepareFixture(dir: string): Promise<{ repoDir: string; executable: string; archive: string }> {
  const { repoDir } = await makeFixtureRepo({ dir: join(dir, 'model') });
  const { executable } = await buildFixture(repoDir);
  const archive = join(dir, 'runtime.tar.gz');
  await packRuntimeTree(repoDir, archive, ['.git', '*.o', '*.c', '*.h']);
  return { repoDir, executable, archive };
}

/** Parses `--name value` flags; unknown flags are a usage error. */
export function parseFlags<T extends Record<string, string | number>>(argv: readonly string[], defaults: T): T {
  const out: Record<string, string | number> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const name = flag.replace(/^--/, '');
    if (!flag.startsWith('--') || !(name in defaults)) throw new Error(`Unknown option ${flag}; known: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')}`);
    const value = argv[++i];
    if (value === undefined) throw new Error(`Option ${flag} needs a value`);
    if (typeof defaults[name] === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`Option ${flag} needs a positive number, got ${value}`);
      out[name] = n;
    } else out[name] = value;
  }
  return out as T;
}

const cleanups: Array<() => Promise<void>> = [];
const children = new Set<ChildProcess>();

/**
 * Registers what must be stopped when the benchmark ends or is interrupted
 * (servers, temp folders). Run in reverse order by `cleanUp`.
 */
export function atCleanUp(fn: () => Promise<void>): void {
  cleanups.push(fn);
}

/** Registers a started server's stop() for clean-up and passes the server on. */
export function stopsAtCleanUp<T extends { stop(): Promise<void> }>(server: T): T {
  atCleanUp(() => server.stop());
  return server;
}

let cleaning: Promise<void> | undefined;

/**
 * Stops every tracked child process and runs the registered clean-ups. Every
 * caller (the signal handler, main's finally) gets the same promise, so the
 * process exits only once all of it is done.
 */
export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    children.clear();
    while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
  })();
  return cleaning;
}

/** Makes Ctrl-C and SIGTERM stop the benchmark's servers and processes instead of orphaning them. */
export function cleanUpOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`Interrupted by ${signal}, cleaning up\n`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
}

/** The benchmark's scratch folder, removed at clean-up, with Ctrl-C and SIGTERM cleaning up too. */
export async function benchScratch(name: string): Promise<string> {
  cleanUpOnSignals();
  const dir = await mkdtemp(join(tmpdir(), `inet-swarm-bench-${name}-`));
  atCleanUp(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Tracks a child process so that `cleanUp` kills it if it is still running. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** One line describing the machine, printed with every result. */
export function machineLine(): string {
  return `machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}, ${loadLine()}`;
}

/**
 * The 1/5/15-minute load averages: figures taken on a busy machine (other
 * processes competing for the same cores) are not comparable to quiet ones.
 */
export function loadLine(): string {
  return `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

/** The servers a benchmark campaign uses: the benchmark's own, shaped like the test stack's. */
export type SwarmServers = Pick<StackInfo, 'nats' | 'mongo'>;

/** A campaign of the benchmark: its own queue prefix, consumer and uid, in the benchmark's database. */
export interface SwarmCampaign {
  ref: CampaignRef;
  names: QueueNames;
  config: RunnerConfig;
  /** Completions collected from the runners' `finished` events (status succeeded). */
  completions: Completion[];
  /** Resolves when `expected` runs have finished (after `expect`). */
  allDone(expected: number, timeoutMs: number): Promise<void>;
  startRunners(count: number): Promise<RunnerProcess[]>;
  /** Stops the runners still running and removes the campaign's streams. */
  close(): Promise<void>;
}

export interface RunnerProcess {
  podName: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

/** The NATS clients the benchmark drives the runners through. */
/** What a benchmark's swarm side runs on: its servers, clients, the fixture's artifact and a scratch folder. */
export interface SwarmContext {
  servers: SwarmServers;
  clients: SwarmClients;
  mongo: MongoClient;
  archive: string;
  dir: string;
}

export interface SwarmClients {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/** Connects to NATS with the servers' credentials. */
export async function swarmClients(servers: SwarmServers): Promise<SwarmClients> {
  const nc = await connect({ servers: servers.nats.url, ...credsOptions(servers.nats.creds) });
  return { nc, js: jetstream(nc), jsm: await jetstreamManager(nc) };
}

interface FinishedEvent {
  run: number;
  pod: string;
  at: string;
  kind: string;
  status?: string;
  elapsedMs?: number;
}

let runnerArgs: Promise<string[]> | undefined;

/**
 * Sets up one campaign (streams, consumer, an event subscription) whose
 * runners are configured by `runner` overrides, e.g. the result include
 * patterns, in the database `db` (the artifact is uploaded there). Runner logs go to `<dir>/<podName>.log`.
 */
export async function swarmCampaign(
  servers: SwarmServers,
  clients: SwarmClients,
  opts: { dir: string; iniConfig: string; db: Db; archive: string; runner?: Partial<RunnerConfig> },
): Promise<SwarmCampaign> {
  // Each campaign gets the artifact in its own database, as the operator's builder would store it.
  const { digest } = await uploadArtifact(opts.db, opts.archive);
  const tag = `B${randomBytes(4).toString('hex')}`;
  const names = queueNames(tag);
  const ref: CampaignRef = { namespace: 'bench', campaign: opts.iniConfig.toLowerCase(), campaignUid: randomUUID() };
  const dir = join(opts.dir, tag);
  await mkdir(dir, { recursive: true });
  const config: RunnerConfig = {
    ...ref,
    podName: 'runner',
    nats: servers.nats,
    mongo: { uri: servers.mongo.uri, database: opts.db.databaseName },
    queuePrefix: tag,
    ackWaitMs: 60_000,
    heartbeatMs: 15_000,
    artifact: { digest, cacheDir: join(opts.dir, 'artifact-cache') },
    workDir: join(dir, 'work'),
    simulation: fixtureSpec(opts.iniConfig),
    results: { include: ['*.sca', '*.vec', '*.vci', '*.out'], storeScalars: true },
    drainGraceMs: 2_000,
    shutdownGraceMs: 5_000,
    killGraceMs: 2_000,
    connectTimeoutMs: 30_000,
    launcher: await launcherBinary(),
    ...opts.runner,
  };
  await ensureStreams(clients.jsm, names, ref.namespace);
  await ensureCampaignConsumer(clients.jsm, names, ref, { ackWaitMs: config.ackWaitMs });
  // One runner bundle per benchmark process, in its own temporary folder.
  runnerArgs ??= runnerNodeArgs(opts.dir);
  const nodeArgs = await runnerArgs;

  const completions: Completion[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const sub = clients.nc.subscribe(eventSubject(names, ref));
  void (async () => {
    for await (const m of sub) {
      const e = m.json<FinishedEvent>();
      if (e.kind !== 'finished') continue;
      if (e.status === 'succeeded') {
        completions.push({ worker: e.pod, doneAtMs: Date.parse(e.at), ...(e.elapsedMs !== undefined ? { processMs: e.elapsedMs } : {}) });
      } else if (e.status === 'failed') {
        failure ??= new Error(`Run ${e.run} failed on ${e.pod}; runner logs in ${dir}`);
      }
      wake?.();
    }
  })();

  const runners: RunnerProcess[] = [];
  return {
    ref,
    names,
    config,
    completions,
    async allDone(expected, timeoutMs) {
      // A benchmark that cannot finish must say so at once, not after the timeout.
      const deadline = Date.now() + timeoutMs;
      let allExitedAt: number | undefined;
      while (completions.length < expected) {
        if (failure) throw failure;
        if (runners.length > 0 && runners.every((r) => r.child.exitCode !== null || r.child.signalCode !== null)) {
          // The last events may still be on their way when a drained runner exits.
          allExitedAt ??= Date.now();
          if (Date.now() - allExitedAt > 3_000) throw new Error(`Every runner exited after ${completions.length} of ${expected} runs; logs in ${dir}`);
        }
        if (Date.now() > deadline) throw new Error(`Only ${completions.length} of ${expected} runs finished within ${timeoutMs / 1000} s; runner logs in ${dir}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 500);
        });
      }
    },
    async startRunners(count) {
      const started = Array.from({ length: count }, (_, i) => {
        const podName = `${tag}-runner-${runners.length + i}`;
        const logFile = join(dir, `${podName}.log`);
        const out = createWriteStream(logFile);
        const child = spawn(process.execPath, nodeArgs, {
          cwd: REPO_ROOT,
          env: { ...process.env, ...runnerEnv({ ...config, podName }) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        track(child);
        child.stdout.pipe(out);
        child.stderr.pipe(out);
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        return { podName, child, logFile, exited };
      });
      runners.push(...started);
      // Ready = every runner has a pull request waiting on the consumer.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const info = await clients.jsm.consumers.info(namespaceTaskStream(names, ref.namespace), consumerName(ref));
        if (info.num_waiting >= runners.filter((r) => r.child.exitCode === null).length) break;
        const dead = started.find((r) => r.child.exitCode !== null);
        if (dead) throw new Error(`Runner ${dead.podName} exited with ${dead.child.exitCode} before it was ready; log: ${dead.logFile}`);
        if (Date.now() > deadline) throw new Error(`Runners not pulling within 60 s; logs in ${dir}`);
        await sleep(50);
      }
      return started;
    },
    async close() {
      sub.unsubscribe();
      for (const r of runners) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGTERM');
      await Promise.race([Promise.all(runners.map((r) => r.exited)), sleep(15_000)]);
      for (const r of runners) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
      await clients.jsm.streams.delete(namespaceTaskStream(names, ref.namespace)).catch(() => undefined);
      await clients.jsm.streams.delete(names.eventsStream).catch(() => undefined);
    },
  };
}

/** Pinned so that the comparison is repeatable; the venv is rebuilt when this changes. */
const RQ_REQUIREMENTS = ['rq==2.12.0', 'pymongo==4.20.0', 'redis==8.1.0'];

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * A Python virtual environment with RQ and pymongo, created once under the
 * cache root (pip from PyPI) and reused. Returns its bin directory.
 */
export async function ensureRqVenv(onProgress: (line: string) => void): Promise<string> {
  const venv = join(cacheRoot(), `bench-venv-${RQ_REQUIREMENTS.join('_').replace(/[^A-Za-z0-9_.]/g, '')}`);
  const bin = join(venv, 'bin');
  const marker = join(venv, '.complete');
  if (await exists(marker)) return bin;
  onProgress(`Installing ${RQ_REQUIREMENTS.join(' ')} into ${venv} (once)`);
  await exec('python3', ['-m', 'venv', venv]);
  await exec(join(bin, 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...RQ_REQUIREMENTS], { maxBuffer: 16 * 1024 * 1024 });
  await writeFile(marker, RQ_REQUIREMENTS.join('\n'));
  return bin;
}

/** A named group of processes whose CPU time is sampled together (e.g. the two runners, FerretDB). */
export interface CpuGroup {
  name: string;
  pids: number[];
  /**
   * Count the descendants' CPU too: a runner's launcher and simulations, an
   * RQ worker's work horses. Live descendants are visited, since a reaped
   * process counts in its parent only (the launcher reaps the simulations).
   */
  withChildren: boolean;
}

/** CPU ms of a process with its reaped children, plus the same for each live descendant. */
function treeCpuMs(pid: number): number {
  const t = procStat(pid);
  if (!t) return 0;
  return t.selfMs + t.childrenMs + childProcesses(pid).reduce((sum, child) => sum + treeCpuMs(child.pid), 0);
}

/** Total CPU ms per group at this moment; processes already gone count as 0, so sample before stopping them. */
export function sampleCpu(groups: readonly CpuGroup[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of groups) {
    out[g.name] = g.pids.reduce((sum, pid) => sum + (g.withChildren ? treeCpuMs(pid) : (procStat(pid)?.selfMs ?? 0)), 0);
  }
  return out;
}

/** The benchmark's servers among this process's children, by command name (nats-server, ferretdb, redis-server). */
export function serverGroups(): CpuGroup[] {
  const kids = childProcesses(process.pid);
  const group = (name: string, prefix: string): CpuGroup => ({ name, pids: kids.filter((k) => k.name.startsWith(prefix)).map((k) => k.pid), withChildren: false });
  return [group('nats-server', 'nats-server'), group('FerretDB', 'ferretdb'), group('redis-server', 'redis-server')];
}

/** Runs a benchmark's main function and exits: 0, or 1 with the error on stderr. */
export function runBenchmark(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${name} benchmark failed: ${String((err as Error)?.stack ?? err)}\n`);
      process.exit(1);
    },
  );
}
