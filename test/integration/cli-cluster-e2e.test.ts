// The cluster side of the `inet-swarm` CLI end to end on the local stack: the
// real CLI process (bin/inet-swarm.js) in a checkout of the fixture model
// pushed to a bare file:// remote; the operator as a child process watching
// this test's namespace; the InetBuild built by running the builder from its
// Job's pod template (distcc from the stack); runner processes started from
// the runner Job's pod template (kwok pods run nothing). The local stack has
// no MongoDB pod to port-forward to, so the CLI reaches the store by URI
// (INETSWARM_MONGO_URI); cli-cluster-portforward.test.ts covers the port-forward.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { V1Job } from '@kubernetes/client-node';
import type { InetBuild, SimulationCampaign } from '../../api/v1alpha1.ts';
import { namespaceTaskStream, queueNames } from '../../lib/queue/subjects.ts';
import { credsOptions } from '../../lib/queue/identity.ts';
import { buildFixture, makeFixtureRepo, runLikeOppRunall } from '../fixtures/fixture.ts';
import { useStack } from '../stack/env.ts';
import type { StackInfo } from '../stack/types.ts';
import { CampaignWorld, eventually, REPO_ROOT } from '../support/campaign.ts';
import { cliEnv, collect, git, spawnCli, withoutElapsed, type CliRun } from '../support/cli.ts';
import { containerCommand, containerEnv } from '../support/pod-like.ts';

const VEC_MTIME = '1700000000';
const GROUP = { group: 'inetswarm.dev', version: 'v1alpha1' } as const;

let stack: StackInfo;
let world: CampaignWorld;
let root = '';
let repoDir = '';
let executable = '';
const children: Array<{ kill: () => void; exited: Promise<unknown> }> = [];

/** The CLI's environment: the stack's kubeconfig, the store by URI (no MongoDB pod on the local stack). */
function env(): NodeJS.ProcessEnv {
  return cliEnv({ KUBECONFIG: stack.kubeconfig, INETSWARM_MONGO_URI: stack.mongo.uri, INETSWARM_MONGO_DATABASE: world.database });
}

function cli(args: string[], cwd = repoDir): Promise<CliRun> {
  return collect(spawnCli([...args, '-n', world.namespace], { cwd, env: env() }));
}

/** Runs a pod template's container as the kubelet would: command, env with Secret references resolved, plus host overrides. */
async function runLikeThePod(job: V1Job, pod: string, extraEnv: Record<string, string>, logName: string): Promise<{ exited: Promise<number | null> }> {
  const container = job.spec?.template.spec?.containers[0];
  assert.ok(container?.args, `${job.metadata?.name ?? ''} has args (the image's entrypoint stays)`);
  const vars = await containerEnv(world.core, world.namespace, container, pod);
  // The pod's sandbox container (the launcher on its socket) is not started here: the program spawns the user's code itself.
  delete vars.INETSWARM_LAUNCHER_SOCKET;
  Object.assign(vars, extraEnv);
  const out = createWriteStream(path.join(root, `${logName}.log`));
  const { command, args } = containerCommand(container);
  const child = spawn(command, args, { cwd: REPO_ROOT, env: vars, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  children.push({ kill: () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), exited });
  return { exited };
}

async function buildOf(campaign: string): Promise<InetBuild> {
  const c = await eventually(`campaign ${campaign} exists`, async () => world.getCampaign(campaign).catch(() => undefined));
  return (await world.custom.getNamespacedCustomObject({ ...GROUP, namespace: world.namespace, plural: 'inetbuilds', name: c.spec.buildRef.name })) as InetBuild;
}

/** Executes the builder of `build` from its Job's pod template; resolves when it exits 0. */
async function runBuilder(build: InetBuild): Promise<void> {
  const name = build.metadata.name ?? '';
  const job = await eventually(`the builder Job of ${name} exists`, async () =>
    world.batch.readNamespacedJob({ name: `${name}-build`, namespace: world.namespace }).catch(() => undefined),
  );
  const workspace = await mkdtemp(path.join(root, 'builder-'));
  const { exited: code } = await runLikeThePod(
    job,
    `${name}-build-x`,
    {
      INETSWARM_WORKSPACE: workspace,
      HOME: path.join(workspace, 'home'),
      INETSWARM_TERMINATION_LOG: path.join(workspace, 'termination-log'),
      INETSWARM_DISTCC_HOSTS: stack.distcc.hosts.join(','),
    },
    `builder-${name}`,
  );
  assert.equal(await code, 0, await readFile(path.join(root, `builder-${name}.log`), 'utf8').catch(() => ''));
}

/** Starts `count` runners from the campaign's runner Job with the fixture's .vec mtime pinned; resolves when they exit. */
async function runRunners(campaign: string, count: number): Promise<Array<number | null>> {
  const job = await world.runnerJob(campaign);
  const exits: Array<Promise<number | null>> = [];
  for (let i = 0; i < count; i += 1) {
    const pod = `${campaign}-runner-${i}`;
    exits.push(
      (await runLikeThePod(
        job,
        pod,
        {
          HOME: root,
          INETSWARM_NATS_URL: stack.nats.url,
          INETSWARM_ARTIFACT_CACHE: path.join(root, pod, 'cache'),
          INETSWARM_WORK_DIR: path.join(root, pod, 'work'),
          INETSWARM_DRAIN_GRACE_SECONDS: '2',
          OPPSIM_VEC_MTIME: VEC_MTIME,
        },
        pod,
      )).exited,
    );
  }
  return Promise.all(exits);
}

/** Waits for the campaign the CLI created (named on its stderr). */
async function createdCampaign(output: { stderr: string }): Promise<string> {
  return eventually('the CLI created its campaign', async () => /Created campaign (\S+)/.exec(output.stderr)?.[1]);
}

/** Starts the CLI and keeps its output readable while it runs. */
function startCli(args: string[]): { output: { stdout: string; stderr: string }; done: Promise<CliRun>; signal: (s: NodeJS.Signals) => void } {
  const child = spawnCli([...args, '-n', world.namespace], { cwd: repoDir, env: env() });
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (b: Buffer) => (output.stdout += b.toString('utf8')));
  child.stderr?.on('data', (b: Buffer) => (output.stderr += b.toString('utf8')));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout: output.stdout, stderr: output.stderr }));
  });
  children.push({ kill: () => child.exitCode === null && child.kill('SIGKILL'), exited: done });
  return { output, done, signal: (s) => child.kill(s) };
}

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
}

before(async () => {
  stack = await useStack();
  world = new CampaignWorld(stack, 'cli-cluster');
  await world.setUp();
  root = await mkdtemp(path.join(tmpdir(), 'cli-cluster-'));
  const fixture = await makeFixtureRepo({ dir: path.join(root, 'model'), bare: true });
  repoDir = fixture.repoDir;
  // A URL the cluster can clone (the CRD takes URLs, not bare paths).
  await git(repoDir, 'remote', 'set-url', 'origin', `file://${fixture.remoteDir ?? ''}`);
  await git(repoDir, 'fetch', '-q', 'origin');
  executable = (await buildFixture(repoDir)).executable;
  await world.startOperator();
});

after(async () => {
  for (const c of children) c.kill();
  await Promise.all(children.map((c) => c.exited));
  // While the operator still runs, so that its finalizer lets the campaigns (and then the namespace) go.
  await world?.kubectl('delete', 'simulationcampaigns', '--all', '-n', world.namespace, '--wait=true', '--timeout=30s').catch(() => undefined);
  await world?.tearDown();
  const nc = await connect({ servers: stack.nats.url, ...credsOptions(stack.nats.creds) }).catch(() => undefined);
  if (nc) {
    const jsm = await jetstreamManager(nc);
    const names = queueNames(world.queuePrefix);
    await jsm.streams.delete(namespaceTaskStream(names, world.namespace)).catch(() => undefined);
    await jsm.streams.delete(names.eventsStream).catch(() => undefined);
    await nc.close();
  }
  if (root) await rm(root, { recursive: true, force: true });
});

interface Summary {
  type: string;
  total: number;
  succeeded: number;
  failed: Array<{ run: number; reason: string; errorLine?: string }>;
  files: number;
  campaign: string;
  detached: boolean;
  notes: string[];
}

const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as T;

describe('inet-swarm on a cluster', { timeout: 900_000 }, () => {
  let aloha = '';
  let errors = '';

  it('runs a campaign from the pushed commit and puts results/ identical to what opp_runall leaves for the same runs', async () => {
    const run = startCli(['--json', 'run', '-c', 'Aloha', '-r', '0..5', '-j', '2']);
    aloha = await createdCampaign(run.output);
    await runBuilder(await buildOf(aloha));
    const codes = await runRunners(aloha, 2);
    assert.deepEqual(codes, [0, 0], 'runners exit 0 once the queue is drained');
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    const summary = lastJson<Summary>(result.stdout);
    assert.equal(summary.type, 'summary');
    assert.equal(summary.campaign, aloha);
    assert.deepEqual([summary.total, summary.succeeded, summary.failed.length, summary.files], [6, 6, 0, 24], '.sca, .vec, .vci and .out of each run');
    assert.ok(result.stdout.split('\n').some((l) => l.includes('"type":"status"')), 'progress events on stdout with --json');

    const expectedDir = await runLikeOppRunall(executable, path.join(root, 'direct'), ['-c', 'Aloha', '-r', '0..5'], { ...process.env, OPPSIM_VEC_MTIME: VEC_MTIME });
    const actualDir = path.join(repoDir, 'results');
    const expected = await listing(expectedDir);
    assert.equal(expected.length, 24);
    assert.deepEqual(await listing(actualDir), expected);
    for (const name of expected) {
      const [actual, wanted] = await Promise.all([readFile(path.join(actualDir, name)), readFile(path.join(expectedDir, name))]);
      if (name.endsWith('.out')) assert.equal(withoutElapsed(actual.toString('utf8')), withoutElapsed(wanted.toString('utf8')), `${name} is opp_runall's but for wall-clock times`);
      else assert.ok(actual.equals(wanted), `${name} is identical to opp_runall's`);
    }
    for (const vci of expected.filter((n) => n.endsWith('.vci'))) {
      const header = /^file (\d+) (\d+) *$/.exec((await readFile(path.join(actualDir, vci), 'utf8')).split('\n')[0] ?? '');
      const vec = await stat(path.join(actualDir, vci.replace(/\.vci$/, '.vec')));
      assert.deepEqual([Number(header?.[1]), Number(header?.[2])], [vec.size, Math.floor(vec.mtimeMs / 1000)], `${vci} matches its .vec`);
    }
  });

  it('shows the finished campaign in status --json and in list', async () => {
    const status = await cli(['--json', 'status', aloha]);
    assert.equal(status.code, 0, status.stderr);
    const view = JSON.parse(status.stdout) as { phase: string; total: number; succeeded: number; failed: number; name: string };
    assert.deepEqual([view.name, view.phase, view.total, view.succeeded, view.failed], [aloha, 'Succeeded', 6, 6, 0]);

    const list = await cli(['list']);
    assert.equal(list.code, 0, list.stderr);
    const row = list.stdout.split('\n').find((l) => l.startsWith(`${aloha} `));
    assert.match(row ?? '', new RegExp(`^${aloha}\\s+Succeeded\\s+6/6\\s+0\\s+inet-`), list.stdout);
  });

  it("exports the scalars from the store as opp_scavetool's CSV-R, one scalar row per scalar of the .sca files", async () => {
    const csvFile = path.join(root, 'aloha.csv');
    const result = await cli(['results', aloha, '--scalars-csv', csvFile]);
    assert.equal(result.code, 0, result.stderr);
    const lines = (await readFile(csvFile, 'utf8')).trim().split('\n');
    assert.match(lines[0] ?? '', /^run,type,module,name,attrname,attrvalue,value\b/, 'the CSV-R columns');
    const scaDir = path.join(root, 'direct', 'results');
    let scalars = 0;
    for (const f of (await readdir(scaDir)).filter((n) => n.endsWith('.sca'))) {
      scalars += (await readFile(path.join(scaDir, f), 'utf8')).split('\n').filter((l) => l.startsWith('scalar ')).length;
    }
    assert.ok(scalars > 0);
    const scalarRows = lines.filter((l) => l.split(',')[1] === 'scalar');
    assert.equal(scalarRows.length, scalars, 'one scalar row per scalar');
    assert.equal(new Set(scalarRows.map((l) => l.split(',')[0])).size, 6, 'of the 6 runs');
    assert.match(result.stdout, new RegExp(`Wrote ${scalars} scalars of 6 runs`));
  });

  it('reruns exactly the failed runs of a campaign with errors, and merges the results on download', async () => {
    const run = startCli(['--json', 'run', '-c', 'Errors', '-j', '2', '-o', 'errors']);
    errors = await createdCampaign(run.output);
    await runRunners(errors, 2);
    const result = await run.done;
    assert.equal(result.code, 1, `exit 1 when runs failed\n${result.stderr}`);
    const summary = lastJson<Summary>(result.stdout);
    assert.deepEqual(summary.failed.map((f) => [f.run, f.reason]), [
      [3, 'SimulationError'],
      [7, 'SimulationError'],
    ]);
    assert.match(summary.failed[0]?.errorLine ?? '', /Injected error at run #3/);
    assert.ok(summary.notes.some((n) => n.includes(`inet-swarm rerun ${errors} --failed`)), JSON.stringify(summary.notes));

    const logs = await cli(['logs', errors, '--run', '3']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /^Run 3: failed, 1 attempt\(s\), SimulationError, exit code 1/);
    assert.match(logs.stdout, /Injected error at run #3/);

    const rerun = await cli(['--json', 'rerun', errors, '--failed']);
    assert.equal(rerun.code, 0, rerun.stderr);
    const created = JSON.parse(rerun.stdout) as { created: string; runs: number[]; runFilter: string };
    assert.deepEqual(created.runs, [3, 7]);
    const campaign: SimulationCampaign = await world.getCampaign(created.created);
    assert.equal(campaign.spec.runFilter, '3,7');
    assert.equal(campaign.spec.config, 'Errors');
    assert.equal(campaign.spec.buildRef.name, (await world.getCampaign(errors)).spec.buildRef.name);

    await runRunners(created.created, 1);
    const watched = await cli(['status', created.created, '--watch']);
    assert.equal(watched.code, 1, `the rerun fails the same two runs\n${watched.stderr}`);
    const merged = await cli(['results', created.created, '-o', path.join(root, 'merged')]);
    assert.equal(merged.code, 0, merged.stderr);
    const files = await listing(path.join(root, 'merged'));
    assert.equal(files.length, 8 * 4, 'the .sca, .vec, .vci and .out of the 8 runs that succeeded in the original campaign');
    assert.deepEqual(files, await listing(path.join(repoDir, 'errors')));
  });

  it('shows the build log of a campaign', async () => {
    const logs = await cli(['--json', 'logs', aloha, '--build']);
    assert.equal(logs.code, 0, logs.stderr);
    const log = JSON.parse(logs.stdout) as { build: string; source: string; text: string };
    assert.equal(log.build, (await world.getCampaign(aloha)).spec.buildRef.name);
    assert.ok(log.text.trim().length > 0);
  });

  it('keeps the results of a cancelled campaign downloadable by its name', async () => {
    const cancel = await cli(['cancel', errors]);
    assert.equal(cancel.code, 0, cancel.stderr);
    await eventually(`campaign ${errors} is gone`, async () => ((await world.getCampaign(errors).then(() => false, () => true)) ? true : undefined));
    const results = await cli(['results', errors, '-o', path.join(root, 'after-cancel')]);
    assert.equal(results.code, 0, results.stderr);
    assert.deepEqual(await listing(path.join(root, 'after-cancel')), await listing(path.join(repoDir, 'errors')));
  });

  it('names the problem for an unknown campaign (exit 1) and a bad flag combination (exit 2)', async () => {
    const status = await cli(['status', 'no-such-campaign']);
    assert.equal(status.code, 1);
    assert.match(status.stderr, /No campaign 'no-such-campaign' in namespace/);
    const logs = await cli(['logs', aloha]);
    assert.equal(logs.code, 2);
    assert.match(logs.stderr, /give either --run N or --build/);
  });

  it('reports a failed build with its reason, points to the build log and exits 1', async () => {
    const run = startCli(['run', '-c', 'Aloha', '--build-command', 'echo compiling; echo broken >&2; exit 3']);
    const name = await createdCampaign(run.output);
    const build = await buildOf(name);
    assert.notEqual(build.metadata.name, (await world.getCampaign(aloha)).spec.buildRef.name, 'other build commands, other build');
    const job = await eventually(`the builder Job of ${build.metadata.name ?? ''} exists`, async () =>
      world.batch.readNamespacedJob({ name: `${build.metadata.name ?? ''}-build`, namespace: world.namespace }).catch(() => undefined),
    );
    const workspace = await mkdtemp(path.join(root, 'builder-'));
    const { exited } = await runLikeThePod(
      job,
      'failing-build',
      { INETSWARM_WORKSPACE: workspace, HOME: workspace, INETSWARM_TERMINATION_LOG: path.join(workspace, 'termination-log'), INETSWARM_DISTCC_HOSTS: stack.distcc.hosts.join(',') },
      'failing-build',
    );
    assert.notEqual(await exited, 0);
    const result = await run.done;
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`Campaign ${name} ended Failed before running anything`));
    assert.ok(result.stderr.includes(`inet-swarm logs ${name} --build -n ${world.namespace}`), result.stderr);
    const logs = await cli(['logs', name, '--build']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /broken/, 'the recorded log tail has the build output');
  });

  it('detaches on Ctrl-C without cancelling, says how to reattach and cancel, and cancel deletes the campaign', async () => {
    const run = startCli(['run', '-c', 'Aloha']);
    const name = await createdCampaign(run.output);
    await eventually('the CLI is watching', async () => (run.output.stderr.includes('Ctrl-C detaches') ? true : undefined));
    run.signal('SIGINT');
    const result = await run.done;
    assert.equal(result.code, 130, result.stderr);
    assert.ok(result.stderr.includes(`inet-swarm status ${name} --watch -n ${world.namespace}`), result.stderr);
    assert.ok(result.stderr.includes(`inet-swarm cancel ${name} -n ${world.namespace}`), result.stderr);
    assert.equal((await world.getCampaign(name)).metadata.deletionTimestamp, undefined, 'the campaign still exists');

    const cancel = await cli(['cancel', name]);
    assert.equal(cancel.code, 0, cancel.stderr);
    await eventually(`campaign ${name} is gone`, async () => ((await world.getCampaign(name).then(() => false, () => true)) ? true : undefined));
    const again = await cli(['cancel', name]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /No campaign/);
  });
});
