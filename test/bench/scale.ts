// Scale benchmark: one 100,000-run campaign through the real operator (a child
// process) on a local stack. A real runner plans it (OMNeT++-style expansion
// with oppsim, 100,000 run tasks published to JetStream), then a bench helper
// writes the run records into MongoDB fast, in place of runners. Measured:
// the operator's RSS, the campaign's status size, status writes per minute and
// the plan time. Targets: RSS < 250 MB, status < 8 KiB, <= 30 writes/min.
//
//   npx tsx test/bench/scale.ts [--runs 100000] [--rate 1000] [--failures 100] [--operator dist/operator/main.js]
//
// Uses the stack named by INETSWARM_STACK, or starts a private one.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Watch } from '@kubernetes/client-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { packRuntimeTree } from '../../lib/store/artifacts.ts';
import { canonical } from '../../lib/canonical.ts';
import { namespaceTaskStream, queueNames } from '../../lib/queue/subjects.ts';
import { credsOptions } from '../../lib/queue/identity.ts';
import { campaignsOf, runsOf, type RunDoc } from '../../lib/store/store.ts';
import { buildFixture, makeFixtureRepo } from '../fixtures/fixture.ts';
import { CampaignWorld, eventually } from '../support/campaign.ts';
import { useStack } from '../stack/env.ts';
import { machineLine, parseFlags, runBenchmark } from './setup.ts';
import { formatTable } from './stats.ts';

const flags = parseFlags(process.argv.slice(2), { runs: 100_000, rate: 1000, failures: 100, operator: '' });
const say = (line: string) => process.stderr.write(`[scale] ${line}\n`);

/** The fixture with one more ini file whose config expands into `runs` runs. */
async function scaleArchive(runs: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'scale-bench-'));
  const { repoDir } = await makeFixtureRepo({ dir: join(dir, 'model') });
  await writeFile(join(repoDir, 'scale.ini'), `include omnetpp.ini\n\n[Config Scale]\ndescription = "scale benchmark"\n**.oppsim.index = \${i=0..${runs - 1}}\n`);
  await buildFixture(repoDir);
  const archive = join(dir, 'runtime.tar.gz');
  await packRuntimeTree(repoDir, archive, ['.git', '*.o', '*.c', '*.h']);
  return archive;
}

async function rssMb(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? 0);
  return kb / 1024;
}

interface StatusWrite {
  at: number;
  bytes: number;
  phase: string;
}

async function main(): Promise<void> {
  const stack = await useStack();
  const world = new CampaignWorld(stack, 'scale-bench');
  say(`Building the fixture with a ${flags.runs}-run config`);
  await world.setUp(await scaleArchive(flags.runs));
  await world.createReadyBuild('fixture');
  // --operator dist/operator/main.js measures the compiled operator, as its image runs it; default: under tsx.
  const operator = await world.startOperator({ INETSWARM_LOG_LEVEL: 'debug' }, flags.operator ? resolve(flags.operator) : undefined);
  const pid = operator.child.pid ?? 0;
  await sleep(2000);
  const idleRss = await rssMb(pid);
  let maxRss = idleRss;
  const rssTimer = setInterval(() => void rssMb(pid).then((mb) => (maxRss = Math.max(maxRss, mb))), 500);

  // Every status change the API server reports is one status write of the operator.
  const writes: StatusWrite[] = [];
  let previous = '';
  const watch = await new Watch(world.kubeConfig).watch(
    `/apis/inetswarm.dev/v1alpha1/namespaces/${world.namespace}/simulationcampaigns`,
    { fieldSelector: 'metadata.name=scale' },
    (type: string, obj: SimulationCampaign) => {
      if (type !== 'ADDED' && type !== 'MODIFIED') return;
      const text = canonical(obj.status ?? {});
      if (text === previous) return;
      previous = text;
      writes.push({ at: Date.now(), bytes: Buffer.byteLength(JSON.stringify(obj.status ?? {})), phase: obj.status?.phase ?? '' });
    },
    () => undefined,
  );

  const created = Date.now();
  const campaign = await world.createCampaign('scale', {
    config: 'Scale',
    iniFiles: ['scale.ini'],
    execution: { parallelism: 100, cpu: '100m', memory: '64Mi' },
  });
  const uid = campaign.metadata.uid ?? '';
  say('Created the campaign; starting one runner to plan it');
  const [planner] = await world.startRunners('scale', 1);
  const plan = await eventually('the runner recorded the plan', async () => {
    const doc = await campaignsOf(world.db).findOne({ _id: uid });
    return doc?.total !== undefined || doc?.planError !== undefined ? doc : undefined;
  }, 30 * 60_000, 500);
  const planWallMs = Date.now() - created;
  if (plan.planError) throw new Error(`Planning failed: ${plan.planError}`);
  // From here the bench helper is every runner.
  planner!.child.kill('SIGTERM');
  await planner!.exited;
  const running = await world.campaignWhere('scale', 'is Running', (c) => c.status?.phase === 'Running', 120_000);
  const runningAt = Date.now();
  say(`Planned ${plan.total} runs in ${plan.planMs} ms (runner), ${planWallMs} ms from creation; phase ${running.status?.phase}`);

  const total = plan.total ?? 0;
  const failEvery = Math.max(1, Math.floor(total / Math.max(1, flags.failures)));
  const batch = 1000;
  let written = 0;
  const writeStarted = Date.now();
  for (let first = 0; first < total; first += batch) {
    const now = new Date();
    const docs: RunDoc[] = [];
    for (let run = first; run < Math.min(total, first + batch); run++) {
      const failed = flags.failures > 0 && run % failEvery === 1;
      docs.push({
        _id: `${uid}/${run}`,
        campaignUid: uid,
        run,
        status: failed ? 'failed' : 'succeeded',
        attempts: 1,
        reason: failed ? 'SimulationError' : 'Succeeded',
        exitCode: failed ? 1 : 0,
        ...(failed ? { errorLine: `<!> Error: bench failure of run ${run}: ${'x'.repeat(300)}`, message: `<!> Error: bench failure of run ${run}: ${'x'.repeat(300)}` } : {}),
        elapsedMs: 10,
        runnerPod: 'bench',
        startedAt: now,
        finishedAt: now,
        updatedAt: now,
      });
    }
    await runsOf(world.db)
      .insertMany(docs, { ordered: false })
      .catch((error: { code?: number; writeErrors?: unknown }) => {
        // Runs the planner ran before it stopped are stored already.
        if (error.code !== 11000 && !error.writeErrors) throw error;
      });
    written += docs.length;
    const due = writeStarted + (written / flags.rate) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
  }
  const writeMs = Date.now() - writeStarted;
  say(`Wrote ${written} run records in ${writeMs} ms`);
  const done = await world.campaignWhere('scale', 'finished', (c) => c.status?.completionTime !== undefined, 30 * 60_000);
  const doneAt = Date.now();
  await sleep(3000);
  clearInterval(rssTimer);
  watch.abort();

  const during = writes.filter((w) => w.at >= runningAt && w.at <= doneAt);
  const minutes = (doneAt - runningAt) / 60_000;
  let peak = 0;
  for (const w of during) peak = Math.max(peak, during.filter((x) => x.at >= w.at && x.at < w.at + 60_000).length);
  const finalBytes = Buffer.byteLength(JSON.stringify(done.status ?? {}));
  const maxBytes = Math.max(finalBytes, ...writes.map((w) => w.bytes));

  // The operator logs how long each progress read from MongoDB took.
  const reads = (await readFile(operator.logFile, 'utf8'))
    .split('\n')
    .filter((l) => l.includes('Read campaign progress'))
    .map((l) => (JSON.parse(l) as { ms: number }).ms)
    .sort((a, b) => a - b);
  const median = reads[Math.floor(reads.length / 2)] ?? 0;

  const rows = [
    ['runs', String(total), ''],
    ['plan time (runner: expand + publish)', `${((plan.planMs ?? 0) / 1000).toFixed(1)} s`, ''],
    ['plan time (campaign created -> total recorded)', `${(planWallMs / 1000).toFixed(1)} s`, ''],
    ['record write time (bench helper)', `${(writeMs / 1000).toFixed(1)} s`, `${Math.round(written / (writeMs / 1000))} runs/s`],
    ['last record -> campaign finished', `${((doneAt - writeStarted - writeMs) / 1000).toFixed(1)} s`, ''],
    [`operator RSS (idle after start / max; ${flags.operator ? 'compiled' : 'under tsx'})`, `${idleRss.toFixed(0)} / ${maxRss.toFixed(0)} MB`, '< 250 MB'],
    ['progress read from MongoDB (median / max)', `${median} / ${reads.at(-1) ?? 0} ms`, `${reads.length} reads`],
    ['status size (max / final)', `${maxBytes} / ${finalBytes} B`, '< 8192 B'],
    ['status writes while running', `${during.length} in ${minutes.toFixed(1)} min = ${(during.length / Math.max(minutes, 1 / 60)).toFixed(1)}/min`, ''],
    ['status writes, busiest minute', String(peak), '<= 30'],
    ['final phase', `${done.status?.phase} (${done.status?.progress}, ${done.status?.runs?.failed} failed)`, ''],
  ];
  process.stdout.write(`${machineLine()}\n${formatTable(['measure', 'value', 'target'], rows)}\n`);

  await world.tearDown();
  const nc = await connect({ servers: stack.nats.url, ...credsOptions(stack.nats.creds) });
  const jsm = await jetstreamManager(nc);
  const names = queueNames(world.queuePrefix);
  await jsm.streams.delete(namespaceTaskStream(names, world.namespace)).catch(() => undefined);
  await jsm.streams.delete(names.eventsStream).catch(() => undefined);
  await nc.close();
}

runBenchmark('scale', main);
