// Makespan benchmark (issue 3 item 5, issue 5 item 6): the 200 runs of 0.2 s
// of the oppsim fixture (config Short), on the same machine and cores:
//   - 2 inet-swarm runner processes (NATS JetStream + MongoDB-wire storage of
//     every result file and scalar) against `xargs -P 2` of the same commands;
//   - `inet-swarm run --local -j 2 -c Short` against `xargs -P 2`.
// Side by side in the same invocation, the order alternating between
// repetitions. Prints figures, asserts nothing.
//
//   npx tsx test/bench/makespan.ts [--reps 2] [--jobs 2]
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { publishPlanTask } from '../../lib/queue/jetstream.ts';
import { runCommand } from '../../lib/engine/command.ts';
import { runsOf } from '../../lib/store/store.ts';
import { startMongo } from '../stack/servers/mongo.ts';
import { startNats } from '../stack/servers/nats.ts';
import {
  atCleanUp,
  cleanUp,
  benchScratch,
  fixtureSpec,
  loadLine,
  machineLine,
  parseFlags,
  prepareFixture,
  REPO_ROOT,
  sampleCpu,
  serverGroups,
  stopsAtCleanUp,
  swarmCampaign,
  swarmClients,
  type CpuGroup,
  type SwarmClients,
  type SwarmContext,
  type SwarmServers,
  runBenchmark,
} from './setup.ts';
import { procStat } from '../support/proc.ts';
import { fmt, formatDefinitions, formatTable, nowMs, summarize } from './stats.ts';

const CONFIG = 'Short';
const RUNS = 200;
const RUN_SECONDS = 0.2;

type System = 'xargs' | 'runners' | 'runners-record-only' | 'cli';

interface Sample {
  system: System;
  rep: number;
  seconds: number;
  /** For the CLI: the campaign time it reports itself (plan to last run), without process start-up. */
  innerSeconds?: number;
  /** CPU ms per run of every process of the system (simulations included; servers included for the runners). */
  cpuMs: number;
}

const LABELS: Record<System, (jobs: number) => string> = {
  xargs: (jobs) => `xargs -P ${jobs}`,
  runners: (jobs) => `inet-swarm ${jobs} runners`,
  'runners-record-only': (jobs) => `inet-swarm ${jobs} runners, record only`,
  cli: (jobs) => `inet-swarm run --local -j ${jobs}`,
};

const log = (line: string) => process.stderr.write(`${line}\n`);

function exitOf(command: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Its own process group, so that an interrupted benchmark can stop xargs and its simulations too.
    const child = spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const group = child.pid;
    const stopGroup = async () => {
      if (group !== undefined && child.exitCode === null) process.kill(-group, 'SIGKILL');
    };
    atCleanUp(stopGroup);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

/** `seq 0 199 | xargs -P N -I{} <the runner's command for run {}>`, all results into one folder. */
async function runXargs(repoDir: string, dir: string, jobs: number): Promise<{ seconds: number; cpuMs: number }> {
  const resultDir = await mkdtemp(join(dir, 'xargs-results-'));
  const cmd = runCommand(repoDir, fixtureSpec(CONFIG), 0, resultDir);
  const args = cmd.args.map((a, i) => (cmd.args[i - 1] === '-r' ? '{}' : a));
  const script = `seq 0 ${RUNS - 1} | xargs -P ${jobs} -I{} "$@"`;
  const cpu0 = reapedCpuMs();
  const t0 = nowMs();
  const { code, stderr } = await exitOf('sh', ['-c', script, 'sh', cmd.executable, ...args], cmd.cwd);
  const seconds = (nowMs() - t0) / 1000;
  const cpuMs = (reapedCpuMs() - cpu0) / RUNS;
  if (code !== 0) throw new Error(`xargs exited ${code}: ${stderr.slice(-1000)}`);
  const files = (await readdir(resultDir)).filter((n) => n.endsWith('.sca')).length;
  if (files !== RUNS) throw new Error(`xargs left ${files} .sca files, expected ${RUNS}`);
  await rm(resultDir, { recursive: true, force: true });
  return { seconds, cpuMs };
}

/** CPU ms of this process's reaped children (a finished xargs or CLI run, with everything they ran). */
function reapedCpuMs(): number {
  return procStat(process.pid)!.childrenMs;
}

/**
 * Runners started and waiting first (as pods of a running Job); the clock
 * starts when the plan task is published and stops when the last run's
 * result is stored: planning, dispatch, runs and storage are all inside.
 */
async function runRunners(ctx: SwarmContext, rep: number, jobs: number, recordOnly: boolean): Promise<{ seconds: number; cpuMs: number }> {
  const db = ctx.mongo.db(`bench_makespan_${rep}_${recordOnly ? 'record' : 'full'}`);
  await db.dropDatabase();
  // Record only: an include pattern that matches no file and no scalars, so the runner stores just the run document.
  const runner = recordOnly ? { results: { include: ['no-result-file-matches-this'], storeScalars: false } } : {};
  const campaign = await swarmCampaign(ctx.servers, ctx.clients, { dir: ctx.dir, db, archive: ctx.archive, iniConfig: CONFIG, runner });
  try {
    const started = await campaign.startRunners(jobs);
    const groups: CpuGroup[] = [{ name: 'runners', pids: started.map((r) => r.child.pid!), withChildren: true }, ...serverGroups()];
    const cpu0 = sampleCpu(groups);
    const t0 = nowMs();
    await publishPlanTask(ctx.clients.js, campaign.names, campaign.ref, { maxAttempts: 3, retrySimulationErrors: false, runTimeoutMs: 60_000 });
    await campaign.allDone(RUNS, 10 * 60_000);
    const cpu1 = sampleCpu(groups);
    const cpuMs = Object.keys(cpu0).reduce((sum, k) => sum + (cpu1[k]! - cpu0[k]!), 0) / RUNS;
    const last = Math.max(...campaign.completions.map((c) => c.doneAtMs));
    const stored = await runsOf(db).countDocuments({ campaignUid: campaign.ref.campaignUid, status: 'succeeded' });
    if (stored !== RUNS) throw new Error(`Runners stored ${stored} runs, expected ${RUNS}`);
    return { seconds: (last - t0) / 1000, cpuMs };
  } finally {
    await campaign.close();
    await db.dropDatabase().catch(() => undefined);
  }
}

/** The real CLI process, from its start to its exit, in the model folder; results into a fresh folder. */
async function runCli(repoDir: string, rep: number, jobs: number): Promise<{ seconds: number; innerSeconds?: number; cpuMs: number }> {
  const out = `results-bench-${rep}-${Date.now().toString(36)}`;
  const cpu0 = reapedCpuMs();
  const t0 = nowMs();
  const { code, stdout, stderr } = await exitOf(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'inet-swarm.js'), '--json', 'run', '--local', '-j', String(jobs), '-c', CONFIG, '-o', out],
    repoDir,
  );
  const seconds = (nowMs() - t0) / 1000;
  const cpuMs = (reapedCpuMs() - cpu0) / RUNS;
  if (code !== 0) throw new Error(`inet-swarm run --local exited ${code}: ${stderr.slice(-1000)}`);
  const files = (await readdir(join(repoDir, out))).filter((n) => n.endsWith('.sca')).length;
  await rm(join(repoDir, out), { recursive: true, force: true });
  if (files !== RUNS) throw new Error(`inet-swarm run --local left ${files} .sca files, expected ${RUNS}`);
  const summary = stdout
    .trim()
    .split('\n')
    .map((l) => {
      try {
        return JSON.parse(l) as { type?: string; elapsedMs?: number };
      } catch {
        return {};
      }
    })
    .find((e) => e.type === 'summary');
  return { seconds, cpuMs, ...(summary?.elapsedMs !== undefined ? { innerSeconds: summary.elapsedMs / 1000 } : {}) };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { reps: 2, jobs: 2 });
  const reps = Math.round(flags.reps);
  const jobs = Math.round(flags.jobs);
  const startLoad = loadLine();
  const dir = await benchScratch('makespan');
  let mongo: MongoClient | undefined;
  let clients: SwarmClients | undefined;
  try {
    log(`Preparing in ${dir}: fixture, nats-server, FerretDB`);
    const [fixture, nats, mongoServer] = await Promise.all([prepareFixture(dir), startNats({ dir, onProgress: log }).then(stopsAtCleanUp), startMongo({ dir, onProgress: log }).then(stopsAtCleanUp)]);
    const servers: SwarmServers = { nats, mongo: { uri: mongoServer.uri } };
    mongo = new MongoClient(mongoServer.uri);
    await mongo.connect();
    clients = await swarmClients(servers);
    const ctx: SwarmContext = { servers, clients, mongo, archive: fixture.archive, dir };

    const samples: Sample[] = [];
    for (let rep = 0; rep < reps; rep++) {
      // Alternate the order, so that no system always runs first or last.
      const order: System[] = rep % 2 === 0 ? ['xargs', 'runners', 'cli', 'runners-record-only'] : ['runners-record-only', 'cli', 'runners', 'xargs'];
      for (const system of order) {
        let sample: Sample;
        if (system === 'xargs') sample = { system, rep, ...(await runXargs(fixture.repoDir, dir, jobs)) };
        else if (system === 'runners' || system === 'runners-record-only') sample = { system, rep, ...(await runRunners(ctx, rep, jobs, system === 'runners-record-only')) };
        else sample = { system, rep, ...(await runCli(fixture.repoDir, rep, jobs)) };
        log(`Measured ${system} (repetition ${rep + 1}/${reps}): ${fmt(sample.seconds, 2)} s`);
        samples.push(sample);
      }
    }
    report(samples, reps, jobs, startLoad);
  } finally {
    await clients?.nc.close().catch(() => undefined);
    await mongo?.close().catch(() => undefined);
    await cleanUp();
  }
}

function report(samples: Sample[], reps: number, jobs: number, startLoad: string): void {
  const of = (system: System) => samples.filter((s) => s.system === system);
  const median = (values: number[]) => summarize(values).p50;
  const xargs = median(of('xargs').map((s) => s.seconds));
  const runners = median(of('runners').map((s) => s.seconds));
  const cli = median(of('cli').map((s) => s.seconds));
  const cliInner = of('cli').every((s) => s.innerSeconds !== undefined) ? median(of('cli').map((s) => s.innerSeconds!)) : Number.NaN;
  const ideal = (RUNS * RUN_SECONDS) / jobs;
  const out: string[] = [];
  out.push(`Makespan benchmark: ${RUNS} runs of ${RUN_SECONDS} s (oppsim config ${CONFIG}), ${jobs} in parallel, ${reps} repetitions, alternating order`);
  out.push(`${machineLine()} at the end; at the start ${startLoad}`);
  out.push(`ideal makespan (runs x duration / parallelism): ${fmt(ideal, 2)} s`);
  out.push('');
  out.push(
    formatTable(
      ['system', ...Array.from({ length: reps }, (_, i) => `rep ${i + 1} s`), 'median s', 'ratio to xargs', 'CPU ms/run'],
      (['xargs', 'runners', 'runners-record-only', 'cli'] as const).map((system) => {
        const list = of(system);
        const m = median(list.map((s) => s.seconds));
        return [LABELS[system](jobs), ...list.sort((a, b) => a.rep - b.rep).map((s) => fmt(s.seconds, 2)), fmt(m, 2), fmt(m / xargs, 3), fmt(median(list.map((s) => s.cpuMs)), 2)];
      }),
    ),
  );
  out.push('');
  out.push('Definitions:');
  out.push(
    formatDefinitions({
      [LABELS.xargs(jobs)]: `\`seq 0 ${RUNS - 1} | xargs -P ${jobs} -I{} ./oppsim -u Cmdenv -c ${CONFIG} -f omnetpp.ini -r {} --result-dir=DIR --cmdenv-redirect-output=true\`, start to exit`,
      [LABELS.runners(jobs)]: `${jobs} runner processes (the compiled runner entrypoint, as in a pod) already waiting; from publishing the plan task to the last run's result stored (.sca .vec .vci .out in GridFS + scalars + run document), planning included`,
      [LABELS['runners-record-only'](jobs)]: 'the same, but the runners store only the run document (no result file, no scalar): the storage share of the figure above',
      [LABELS.cli(jobs)]: 'the CLI process (bin/inet-swarm.js through tsx) from start to exit, results into a fresh folder',
      'ratio to xargs': 'median makespan / median xargs makespan',
      'CPU ms/run': 'median CPU time (user + system) per run of all the system\'s processes: simulations, xargs or the CLI or the runners, and for the runners nats-server and FerretDB; the figure that does not depend on how busy the machine is',
    }),
  );
  out.push('');
  const r1 = runners / xargs;
  const r2 = cli / xargs;
  out.push(`makespan ratio inet-swarm runners / xargs: ${fmt(r1, 3)} (target <= 1.10: ${r1 <= 1.1 ? 'met' : 'NOT met'})`);
  out.push(`  (record only, no result files or scalars: ${fmt(median(of('runners-record-only').map((s) => s.seconds)) / xargs, 3)})`);
  out.push(`makespan ratio inet-swarm run --local / xargs: ${fmt(r2, 3)} (target <= 1.05: ${r2 <= 1.05 ? 'met' : 'NOT met'})`);
  if (!Number.isNaN(cliInner)) {
    out.push(`  (the CLI's own reported campaign time, without process start-up: ${fmt(cliInner, 2)} s, ratio ${fmt(cliInner / xargs, 3)})`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

runBenchmark('makespan', main);
