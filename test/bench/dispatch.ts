// Dispatch benchmark (issue 3, item 5): zero-duration runs of the oppsim
// fixture (config Zero) through NATS JetStream + inet-swarm runner processes
// + MongoDB-wire storage, side by side in the same invocation with the seed's
// technology (RQ workers on Redis running the same command and storing the
// same result files in the same store). Prints wall-clock figures (throughput,
// per-run cycle and overhead) and CPU time per run from /proc, which stays
// meaningful on a machine that other work keeps busy. Asserts nothing.
//
//   npx tsx test/bench/dispatch.ts [--runs 1000] [--warmup 100] [--workers 2] [--spawns 200] [--rq-worker fork|simple]
//
// Each system first runs --warmup runs that are not measured, with the same
// workers: the figures are those of a campaign under way, not of processes
// that have just started (a runner's first runs execute code that V8 has not
// compiled yet; at 200 runs a whole campaign lasts about a second).
//
// Every measurement uses a fresh database: FerretDB v1 on SQLite (the local
// MongoDB-wire server) scans the whole collection on every update, so its
// per-run store cost grows with the run count (see storeCost) and a shared
// database would penalise whichever system runs later.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { publishRunTasks } from '../../lib/queue/jetstream.ts';
import { runCommand } from '../../lib/engine/command.ts';
import { runSimulation } from '../../lib/engine/simulate.ts';
import { parseSca, scalarRows, type ScalarRow } from '../../lib/store/sca.ts';
import { beginAttempt } from '../../lib/store/attempts.ts';
import { RESULTS_BUCKET, runsOf } from '../../lib/store/store.ts';
import { recordSuccess } from '../../lib/store/success.ts';
import { ManagedProcess } from '../stack/process.ts';
import { startMongo } from '../stack/servers/mongo.ts';
import { startNats } from '../stack/servers/nats.ts';
import { startRedis } from '../stack/servers/redis.ts';
import {
  cleanUp,
  benchScratch,
  ensureRqVenv,
  fixtureSpec,
  loadLine,
  machineLine,
  parseFlags,
  prepareFixture,
  RQ_DIR,
  sampleCpu,
  serverGroups,
  stopsAtCleanUp,
  swarmCampaign,
  swarmClients,
  track,
  type CpuGroup,
  type SwarmClients,
  type SwarmContext,
  type SwarmServers,
  runBenchmark,
} from './setup.ts';
import { procStat } from '../support/proc.ts';
import { cycleTimes, fmt, formatDefinitions, formatTable, nowMs, summarize, type Completion, type Summary } from './stats.ts';

const INCLUDE = ['*.sca', '*.vec', '*.vci', '*.out'];
/** Matches no file: the runner then stores the run record only. */
const INCLUDE_NOTHING = ['no-result-file-matches-this'];

/** No __pycache__ in the work tree. */
const PYTHON_ENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };

type Storage = 'none' | 'files' | 'files+scalars';

interface Measurement {
  system: 'inet-swarm' | 'RQ';
  storage: Storage;
  runs: number;
  seconds: number;
  runsPerSecond: number;
  cycle: Summary;
  overheadVsBare: Summary;
  overheadVsOwn: Summary;
  stored: { runs: number; files: number };
  /** CPU ms per run: the workers (runner or RQ worker, with their children) and each server. */
  cpu: Record<string, number>;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function cpuPerRun(before: Record<string, number>, after: Record<string, number>, runs: number): Record<string, number> {
  return Object.fromEntries(Object.keys(before).map((k) => [k, ((after[k] ?? 0) - before[k]!) / runs]));
}

function measure(
  system: Measurement['system'],
  storage: Storage,
  startMs: number,
  completions: Completion[],
  bareP50: number,
  stored: Measurement['stored'],
  cpu: Record<string, number>,
): Measurement {
  const end = Math.max(...completions.map((c) => c.doneAtMs));
  const seconds = (end - startMs) / 1000;
  const cycles = cycleTimes(completions);
  return {
    system,
    storage,
    runs: completions.length,
    seconds,
    runsPerSecond: completions.length / seconds,
    cycle: summarize(cycles.map((c) => c.cycleMs)),
    overheadVsBare: summarize(cycles.map((c) => c.cycleMs - bareP50)),
    overheadVsOwn: summarize(cycles.filter((c) => c.processMs !== undefined).map((c) => c.cycleMs - c.processMs!)),
    stored,
    cpu,
  };
}

/** The same command run alone, one after another, by the runner's own spawn code: the per-run floor. */
async function bareSpawn(repoDir: string, count: number, workDir: string): Promise<{ wall: Summary; cpuMs: number }> {
  const times: number[] = [];
  const cpuBefore = procStat(process.pid)!.childrenMs;
  for (let i = 0; i < count; i++) {
    const dir = await mkdtemp(join(workDir, 'bare-'));
    const t0 = nowMs();
    const out = await runSimulation(runCommand(repoDir, fixtureSpec('Zero'), i, dir), { timeoutMs: 30_000, killGraceMs: 1_000 });
    times.push(nowMs() - t0);
    if (out.kind !== 'succeeded') throw new Error(`Bare run ${i} did not succeed: ${out.kind} ${out.outputTail}`);
    await rm(dir, { recursive: true, force: true });
  }
  // Reaped children of this process are only these runs, so their CPU is the simulation's own.
  return { wall: summarize(times), cpuMs: (procStat(process.pid)!.childrenMs - cpuBefore) / count };
}

const POLICY = { maxAttempts: 3, retrySimulationErrors: false, runTimeoutMs: 60_000 };

/** Run numbers `from`, `from + 1`, ... (`count` of them). */
const runNumbers = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ run: from + i, identity: { iterationVars: {}, repetition: 0 } }));

async function runSwarm(ctx: SwarmContext, storage: Storage, runs: number, warmup: number, workers: number, bareP50: number): Promise<Measurement> {
  const db = ctx.mongo.db(`bench_swarm_${storage.replace('+', '_')}`);
  await db.dropDatabase();
  const { clients } = ctx;
  const campaign = await swarmCampaign(ctx.servers, clients, {
    dir: ctx.dir,
    db,
    archive: ctx.archive,
    iniConfig: 'Zero',
    runner: { results: { include: storage === 'none' ? INCLUDE_NOTHING : INCLUDE, storeScalars: storage === 'files+scalars' } },
  });
  try {
    const started = await campaign.startRunners(workers);
    // Warm-up runs are numbered after the measured ones and forgotten once done.
    await publishRunTasks(clients.js, campaign.names, campaign.ref, runNumbers(runs, warmup), POLICY);
    await campaign.allDone(warmup, 15 * 60_000);
    campaign.completions.length = 0;
    const groups: CpuGroup[] = [{ name: 'workers', pids: started.map((r) => r.child.pid!), withChildren: true }, ...serverGroups()];
    const cpuBefore = sampleCpu(groups);
    const start = nowMs();
    await publishRunTasks(clients.js, campaign.names, campaign.ref, runNumbers(0, runs), POLICY);
    await campaign.allDone(runs, 15 * 60_000);
    const cpu = cpuPerRun(cpuBefore, sampleCpu(groups), runs);
    const stored = await storedCounts(db, campaign.ref.campaignUid, runs);
    return measure('inet-swarm', storage, start, campaign.completions, bareP50, stored, cpu);
  } finally {
    await campaign.close();
  }
}

/** What the measured runs (numbers below `runs`; the warm-up's come after) left in the store. */
async function storedCounts(db: Db, campaignUid: string, runs: number): Promise<{ runs: number; files: number }> {
  return {
    runs: await runsOf(db).countDocuments({ campaignUid, status: 'succeeded', run: { $lt: runs } }),
    files: await db.collection(`${RESULTS_BUCKET}.files`).countDocuments({ 'metadata.campaignUid': campaignUid, 'metadata.run': { $lt: runs } }),
  };
}

interface RqContext {
  bin: string;
  redisUrl: string;
  mongoUri: string;
  mongo: MongoClient;
  repoDir: string;
  dir: string;
  workerClass: 'fork' | 'simple';
}

async function runRq(rq: RqContext, storage: Exclude<Storage, 'files+scalars'>, runs: number, warmup: number, workers: number, bareP50: number): Promise<Measurement> {
  const queue = `bench-${storage}-${Date.now().toString(36)}`;
  const campaignUid = `rq-${queue}`;
  const db = rq.mongo.db(`bench_rq_${storage}`);
  await db.dropDatabase();
  const workDir = await mkdtemp(join(rq.dir, `${queue}-`));
  const cmd = runCommand(rq.repoDir, fixtureSpec('Zero'), 0, '@RESULTDIR@');
  const args = cmd.args.map((a, i) => (cmd.args[i - 1] === '-r' ? '@RUN@' : a));
  const spec = {
    executable: cmd.executable,
    args,
    cwd: cmd.cwd,
    workDir,
    store: storage === 'files',
    mongoUri: rq.mongoUri,
    database: db.databaseName,
    campaignUid,
    include: INCLUDE,
  };
  const specFile = join(workDir, 'spec.json');
  await writeFile(specFile, JSON.stringify(spec));
  const workerArgs = ['worker', queue, '--url', rq.redisUrl, '--path', RQ_DIR];
  if (rq.workerClass === 'simple') workerArgs.push('--worker-class', 'rq.worker.SimpleWorker');
  const procs = Array.from({ length: workers }, (_, i) =>
    ManagedProcess.start({ name: `rq-worker-${i}`, command: join(rq.bin, 'rq'), args: [...workerArgs, '--name', `${queue}-w${i}`], logFile: join(workDir, `rq-worker-${i}.log`), env: PYTHON_ENV }),
  );
  for (const p of procs) track(p.child);
  try {
    const groups: CpuGroup[] = [{ name: 'workers', pids: procs.map((p) => p.child.pid!), withChildren: true }, ...serverGroups()];
    let cpuBefore: Record<string, number> = {};
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(join(rq.bin, 'python'), [join(RQ_DIR, 'drive.py'), rq.redisUrl, queue, String(workers), specFile, String(runs), String(warmup), String(30 * 60)], {
        cwd: RQ_DIR,
        env: PYTHON_ENV,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      track(child);
      let stdout = '';
      let stderr = '';
      let ready = false;
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        // drive.py says READY once the workers wait for jobs, and enqueues on GO: the CPU baseline goes in between.
        if (!ready && stdout.includes('READY\n')) {
          ready = true;
          stdout = stdout.slice(stdout.indexOf('READY\n') + 6);
          cpuBefore = sampleCpu(groups);
          child.stdin.end('GO\n');
        }
      });
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`drive.py exited ${code}: ${stderr.slice(-2000)}; worker logs in ${workDir}`))));
    });
    const cpu = cpuPerRun(cpuBefore, sampleCpu(groups), runs);
    const result = JSON.parse(out) as { enqueueStartMs: number; failed: number; completions: Completion[] };
    if (result.failed > 0) throw new Error(`${result.failed} RQ jobs failed; worker logs in ${workDir}`);
    const stored = await storedCounts(db, campaignUid, runs);
    return measure('RQ', storage, result.enqueueStartMs, result.completions, bareP50, stored, cpu);
  } finally {
    await Promise.all(procs.map((p) => p.stop(10_000)));
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * The runner's own store calls for one run (beginAttempt, then recordSuccess
 * with the same files and scalars a run of Zero produces), `runs` times in a
 * row on a fresh database, with no queue and no process: the storage share of
 * a cycle, on the same server and at the same collection sizes as the runs.
 */
async function storeCost(mongo: MongoClient, repoDir: string, workDir: string, storage: Storage, runs: number): Promise<Summary> {
  const db = mongo.db(`bench_store_${storage.replace('+', '_')}`);
  await db.dropDatabase();
  const sample = await mkdtemp(join(workDir, 'store-sample-'));
  const out = await runSimulation(runCommand(repoDir, fixtureSpec('Zero'), 0, sample), { timeoutMs: 30_000, killGraceMs: 1_000 });
  if (out.kind !== 'succeeded') throw new Error(`Sample run did not succeed: ${out.outputTail}`);
  const names = (await readdir(sample)).sort();
  const scalars: Array<{ file: string; rows: ScalarRow[] }> = [];
  for (const name of names.filter((n) => n.endsWith('.sca'))) {
    for (const r of parseSca(await readFile(join(sample, name), 'utf8')).runs) scalars.push({ file: name, rows: scalarRows(r) });
  }
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const t0 = nowMs();
    const begin = await beginAttempt(db, 'store-cost', run, 'bench', 3);
    if (begin.state !== 'run') throw new Error(`beginAttempt for run ${run} returned ${begin.state}`);
    await recordSuccess(db, {
      campaignUid: 'store-cost',
      run,
      attempt: begin.attempt,
      token: begin.token,
      runnerPod: 'bench',
      reason: 'Succeeded',
      exitCode: 0,
      signal: null,
      elapsedMs: out.elapsedMs,
      outputTail: '',
      files: storage === 'none' ? [] : names.map((n) => ({ path: join(sample, n), name: n })),
      iterationVars: { i: String(run) },
      scalars: storage === 'files+scalars' ? scalars : [],
    });
    times.push(nowMs() - t0);
  }
  await rm(sample, { recursive: true, force: true });
  await db.dropDatabase();
  return summarize(times);
}

function row(m: Measurement): string[] {
  return [
    m.system,
    m.storage,
    String(m.runs),
    fmt(m.seconds, 2),
    fmt(m.runsPerSecond, 1),
    fmt(m.cycle.p50),
    fmt(m.cycle.p95),
    fmt(m.overheadVsBare.p50),
    fmt(m.overheadVsBare.p95),
    fmt(m.overheadVsOwn.p50),
    fmt(m.overheadVsOwn.p95),
    `${m.stored.runs}/${m.stored.files}`,
  ];
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { runs: 1000, warmup: 100, workers: 2, spawns: 200, 'rq-worker': 'fork' });
  // The fixture's config Zero has 2,000 runs, warm-up included.
  const warmup = Math.max(0, Math.round(flags.warmup));
  const runs = Math.min(2000 - warmup, Math.round(flags.runs));
  const workers = Math.round(flags.workers);
  const workerClass = flags['rq-worker'];
  if (workerClass !== 'fork' && workerClass !== 'simple') throw new Error('--rq-worker must be fork or simple');

  const startLoad = loadLine();
  const dir = await benchScratch('dispatch');
  let mongo: MongoClient | undefined;
  let clients: SwarmClients | undefined;
  try {
    log(`Preparing in ${dir}: fixture, nats-server, FerretDB, redis-server, RQ venv`);
    const [fixture, nats, mongoServer, redis, bin] = await Promise.all([
      prepareFixture(dir),
      startNats({ dir, onProgress: log }).then(stopsAtCleanUp),
      startMongo({ dir, onProgress: log }).then(stopsAtCleanUp),
      startRedis({ dir, onProgress: log }).then(stopsAtCleanUp),
      ensureRqVenv(log),
    ]);
    const servers: SwarmServers = { nats, mongo: { uri: mongoServer.uri } };
    mongo = new MongoClient(mongoServer.uri);
    await mongo.connect();
    clients = await swarmClients(servers);
    const swarm: SwarmContext = { servers, clients, mongo, archive: fixture.archive, dir };
    const rq: RqContext = { bin, redisUrl: redis.url, mongoUri: mongoServer.uri, mongo, repoDir: fixture.repoDir, dir, workerClass };

    log(`Measuring the bare command ${flags.spawns} times`);
    const bareRun = await bareSpawn(fixture.repoDir, flags.spawns, dir);
    const bare = bareRun.wall;

    // Alternating order, so that neither system always runs on a warmer machine.
    const results: Measurement[] = [];
    const plan: Array<() => Promise<Measurement>> = [
      () => runSwarm(swarm, 'none', runs, warmup, workers, bare.p50),
      () => runRq(rq, 'none', runs, warmup, workers, bare.p50),
      () => runRq(rq, 'files', runs, warmup, workers, bare.p50),
      () => runSwarm(swarm, 'files', runs, warmup, workers, bare.p50),
      () => runSwarm(swarm, 'files+scalars', runs, warmup, workers, bare.p50),
    ];
    for (const step of plan) {
      const m = await step();
      log(`Measured ${m.system} storage=${m.storage}: ${fmt(m.runsPerSecond)} runs/s`);
      results.push(m);
    }
    const store: Partial<Record<Storage, Summary>> = {};
    for (const storage of ['none', 'files', 'files+scalars'] as const) {
      log(`Measuring the runner's store calls alone, storage=${storage}`);
      store[storage] = await storeCost(mongo, fixture.repoDir, dir, storage, runs);
    }
    report(results, bareRun, store, runs, warmup, workers, workerClass, startLoad);
  } finally {
    await clients?.nc.close().catch(() => undefined);
    await mongo?.close().catch(() => undefined);
    await cleanUp();
  }
}

function report(
  results: Measurement[],
  bareRun: { wall: Summary; cpuMs: number },
  store: Partial<Record<Storage, Summary>>,
  runs: number,
  warmup: number,
  workers: number,
  workerClass: string,
  startLoad: string,
): void {
  const bare = bareRun.wall;
  const find = (system: Measurement['system'], storage: Storage) => results.find((r) => r.system === system && r.storage === storage);
  const out: string[] = [];
  out.push(`Dispatch benchmark: ${runs} zero-duration runs (oppsim config Zero), ${workers} workers per system, after ${warmup} warm-up runs on the same workers`);
  out.push(`${machineLine()} at the end; at the start ${startLoad}`);
  out.push(`RQ workers: ${workerClass === 'fork' ? 'rq worker (forks a work horse per job, as deployed by the seed)' : 'rq.worker.SimpleWorker (no fork per job)'}`);
  out.push(`bare command (spawn+run+exit alone, sequential, n=${bare.count}): p50 ${fmt(bare.p50, 2)} ms, p95 ${fmt(bare.p95, 2)} ms`);
  out.push('');
  out.push(
    formatTable(
      ['system', 'storage', 'runs', 'seconds', 'runs/s', 'cycle p50', 'cycle p95', 'ovh p50', 'ovh p95', 'ovh-own p50', 'ovh-own p95', 'stored runs/files'],
      results.map(row),
    ),
  );
  out.push('');
  out.push('Definitions (times in ms):');
  out.push(
    formatDefinitions({
      'storage none': 'inet-swarm: run record only (the exactly-once bookkeeping), no result file, no scalars; RQ: nothing in MongoDB (RQ keeps its own job record in Redis)',
      'storage files': 'the run\'s .sca .vec .vci .out uploaded to GridFS bucket "results" + one run document, by both systems',
      'storage files+scalars': 'inet-swarm default: files as above + every .sca scalar as a document',
      'runs/s': 'runs / (last run finished - first task published or enqueued); workers already started and waiting',
      cycle: 'per worker, time between two consecutive run completions: take task, spawn+run, store, ack',
      ovh: 'per-run overhead = cycle - bare command p50 (what a run costs beyond spawning it alone)',
      'ovh-own': 'cycle - that run\'s own spawn-to-exit time measured inside the worker (excludes contention on the process itself)',
      'stored runs/files': 'succeeded run documents / GridFS result files found in MongoDB afterwards',
    }),
  );
  out.push('');
  out.push(`CPU time per run in ms (user + system, from /proc; independent of how busy the machine is). The simulation itself uses ${fmt(bareRun.cpuMs, 2)} ms (bare command, measured alone):`);
  const cpuCols = ['nats-server', 'redis-server', 'FerretDB'];
  out.push(
    formatTable(
      ['system', 'storage', 'worker excl. simulation', ...cpuCols, 'total excl. simulation'],
      results.map((m) => {
        const worker = (m.cpu.workers ?? 0) - bareRun.cpuMs;
        const total = worker + cpuCols.reduce((a, k) => a + (m.cpu[k] ?? 0), 0);
        return [m.system, m.storage, fmt(worker, 2), ...cpuCols.map((k) => fmt(m.cpu[k], 2)), fmt(total, 2)];
      }),
    ),
  );
  out.push('  (worker = the runner process, or the RQ worker with its forked work horses, minus the simulation\'s own CPU)');
  out.push('');
  out.push(`The runner's store calls alone (beginAttempt + recordSuccess, sequential, ${runs} runs, fresh database):`);
  out.push(
    formatTable(
      ['storage', 'store p50', 'store p95', 'inet-swarm ovh p50 - store p50'],
      (['none', 'files', 'files+scalars'] as const).map((k) => {
        const m = find('inet-swarm', k);
        return [k, fmt(store[k]?.p50), fmt(store[k]?.p95), fmt(m && store[k] ? m.overheadVsBare.p50 - store[k].p50 : undefined)];
      }),
    ),
  );
  out.push('  (the last column estimates the queue + runner overhead without the store: NATS pull, spawn bookkeeping, ack, event, log)');
  out.push('');
  for (const storage of ['none', 'files'] as const) {
    const s = find('inet-swarm', storage);
    const r = find('RQ', storage);
    if (s && r) {
      const ratio = s.runsPerSecond / r.runsPerSecond;
      out.push(`throughput ratio inet-swarm / RQ, storage ${storage}: ${fmt(ratio, 2)}x (target >= 3x: ${ratio >= 3 ? 'met' : 'NOT met'})`);
    }
  }
  const cpuTotal = (m: Measurement) => Object.values(m.cpu).reduce((a, b) => a + b, 0);
  for (const storage of ['none', 'files'] as const) {
    const s = find('inet-swarm', storage);
    const r = find('RQ', storage);
    if (s && r) {
      out.push(
        `CPU-bound capacity ratio inet-swarm / RQ, storage ${storage}: ${fmt(cpuTotal(r) / cpuTotal(s), 2)}x ` +
          `(CPU per run, simulation and servers included: ${fmt(cpuTotal(s), 1)} ms vs ${fmt(cpuTotal(r), 1)} ms; the throughput ratio when the cores are the bottleneck)`,
      );
    }
  }
  // Two readings of "overhead beyond the process spawn": against the bare command spawned alone, and against each
  // run's own spawn-to-exit time (the first also counts the slow-down of the process by CPU contention).
  for (const m of results.filter((r) => r.system === 'inet-swarm')) {
    const met = (v: number) => (v <= 5 ? 'met' : 'NOT met');
    out.push(
      `inet-swarm p50 overhead, storage ${m.storage}: ${fmt(m.overheadVsBare.p50, 2)} ms beyond the bare command (target <= 5 ms: ${met(m.overheadVsBare.p50)}), ` +
        `${fmt(m.overheadVsOwn.p50, 2)} ms beyond the run's own process time (${met(m.overheadVsOwn.p50)})`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

runBenchmark('dispatch', main);
