// Plans of millions of runs. A plan of ten million runs of the fixture is read
// as a stream in a process of its own, whose peak memory (VmHWM) is measured:
// holding the output as one string and the runs as one array took 3.5 GB for
// it, and a plan of wider run lines failed past V8's longest string. And a plan
// that cannot succeed (more runs than the runners' limit) fails the campaign
// with PlanFailed and the reason once, rather than being planned again every
// 2 s with no word. The kwok nodes: the operator runs as a process, the runner
// is started from the Job's pod template (test/support/campaign.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { useStack } from '../stack/env.ts';
import { buildFixture, makeFixtureRepo } from '../fixtures/fixture.ts';
import { CampaignWorld } from '../support/campaign.ts';

const CHILD = fileURLToPath(new URL('../support/plan-child.ts', import.meta.url));
const TEN_MILLION = 10_000_000;
// 1,000 values x repeat 10,000, as OMNeT++ numbers them (the repetition innermost).
const TEN_MILLION_INI = '[General]\nnetwork = Net\n\n[Config TenMillion]\n**.numHosts = ${numHosts=1..1000}\nrepeat = 10000\n';

interface ChildReport {
  total?: number;
  handed: number;
  batches?: number;
  largestBatch?: number;
  last?: unknown;
  seconds?: number;
  vmHwmBytes: number;
  error?: string;
}

async function planInChild(cwd: string, args: string[]): Promise<ChildReport> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD, cwd, './oppsim', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((res) => child.once('exit', res));
  assert.equal(code, 0, out);
  return JSON.parse(out.trim().split('\n').at(-1)!) as ChildReport;
}

describe('a plan of ten million runs', { timeout: 900_000 }, () => {
  it('is read as a stream and handed on in batches, in bounded memory', async () => {
    const { repoDir } = await makeFixtureRepo();
    await buildFixture(repoDir);
    await writeFile(join(repoDir, 'ten-million.ini'), TEN_MILLION_INI);
    const got = await planInChild(repoDir, ['-s', '-f', 'ten-million.ini', '-c', 'TenMillion', '-q', 'runs']);
    console.log(`10,000,000 runs planned in ${got.seconds?.toFixed(1)} s, peak RSS ${(got.vmHwmBytes / 2 ** 20).toFixed(0)} MiB`);
    assert.equal(got.error, undefined);
    assert.equal(got.total, TEN_MILLION);
    assert.equal(got.handed, TEN_MILLION);
    assert.equal(got.batches, 1000);
    assert.equal(got.largestBatch, 10_000);
    assert.deepEqual(got.last, { run: TEN_MILLION - 1, identity: { iterationVars: { numHosts: '1000' }, repetition: 9999 } });
    // The output is 377 MB; what stays is a chunk, a batch, a bit per run and the garbage
    // collector's slack (measured: 140-170 MiB with Node's own ~50 MiB).
    assert.ok(got.vmHwmBytes < 320 * 2 ** 20, `peak RSS ${(got.vmHwmBytes / 2 ** 20).toFixed(0)} MiB`);
  });
});

describe('a plan that cannot succeed', { timeout: 300_000 }, () => {
  let world: CampaignWorld;
  const condition = (c: SimulationCampaign, type: string) => c.status?.conditions?.find((x) => x.type === type);

  before(async () => {
    world = new CampaignWorld(await useStack(), 'campaign-plan');
    await world.setUp();
    await world.startOperator();
    await world.createReadyBuild('fixture');
  });
  after(async () => {
    await world?.tearDown();
  });

  it('fails the campaign with PlanFailed and the reason, once, without a retry', async () => {
    await world.createCampaign('too-many', { config: 'Aloha' });
    // Aloha has 42 runs; the runners' limit is set below that.
    const [runner] = await world.startRunners('too-many', 1, { INETSWARM_PLAN_MAX_RUNS: '10' });
    const failed = await world.campaignWhere('too-many', 'failed', (c) => c.status?.phase === 'Failed');
    assert.equal(condition(failed, 'Planned')?.reason, 'PlanFailed');
    assert.match(condition(failed, 'Planned')?.message ?? '', /Run expansion of config Aloha failed: .*more than 10 runs \(INETSWARM_PLAN_MAX_RUNS\)/);
    assert.equal(condition(failed, 'Failed')?.reason, 'PlanFailed');
    assert.ok((await world.events('too-many')).includes('PlanFailed'));
    assert.equal(await runner!.exited, 0, 'the runner finds nothing left to do and exits');
    const log = (await readFile(runner!.logFile, 'utf8')).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string });
    assert.equal(log.filter((l) => l.msg === 'Planned campaign: run expansion failed').length, 1, 'planned once');
    assert.equal(log.filter((l) => l.msg?.startsWith('Handled task: unexpected failure')).length, 0, 'never handed back');
    assert.equal(log.filter((l) => l.msg === 'Planned campaign').length, 0, 'no run was published');
  });
});
