// User code apart from credentials, on the stack's real node with the chart
// installed (test/support/real-release.ts): a campaign whose simulation is
// the fixture model behind a probe (test/fixtures/sandbox-probe/) that looks
// for the runner's credentials where a simulation can look (the namespace's
// NATS user and MongoDB login, minted by the operator for a first campaign and
// read from the runner Secret, and the stack's root ones):
// its environment, every /proc/*/environ and cmdline it can read, every file
// it can read from / (the shared volumes included), and the network (NATS
// and MongoDB without credentials). The probe writes what it found into a
// result file, collected like any other; the test reads it from the store.
// It runs in the runner pod's `simulation` container, started through the
// launcher's socket, beside the `runner` container that holds the
// credentials (operator/controllers/simulationcampaign/manifests.ts).
//
// Node kind: the real node (kubelet + containerd), not the kwok nodes.
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { GridFSBucket } from 'mongodb';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { packRuntimeTree, uploadArtifact } from '../../lib/store/artifacts.ts';
import { SECRET_KEYS } from '../../operator/controllers/simulationcampaign/manifests.ts';
import { RESULTS_BUCKET, runsOf } from '../../lib/store/store.ts';
import { buildFixture, makeFixtureRepo } from '../fixtures/fixture.ts';
import { useStack } from '../stack/env.ts';
import { CampaignWorld, REPO_ROOT, eventually } from '../support/campaign.ts';
import { notYet } from '../support/eventually.ts';
import { installOnRealNode, type RealRelease } from '../support/real-release.ts';

const PROBE_DIR = join(REPO_ROOT, 'test', 'fixtures', 'sandbox-probe');
/** The runner Secret's name (the chart's default runner.secretName). */
const SECRET_NAME = 'inet-swarm-runner';
const stack = await useStack({ realNode: true });
const world = new CampaignWorld(stack, 'real-sandbox');
let release: RealRelease;
let scratch = '';

interface ProbeReport {
  env: string[];
  processes: { pid: number; cmdline: string | null; environ: boolean }[];
  files: { read: number; unreadable: number; dirs: string[] };
  nats: string;
  mongo: { listDatabases: string; readRuns: string };
  found: string[];
}

/**
 * What the probe looks for: the credentials the runner container holds (the
 * namespace's NATS user, its seed, its MongoDB login, as the runner Secret has
 * them) and the stack's own (the NATS signing key, the root MongoDB login).
 */
async function secrets(): Promise<string[]> {
  const secret = await world.core.readNamespacedSecret({ name: SECRET_NAME, namespace: world.namespace });
  const value = (key: string) => Buffer.from(secret.data?.[key] ?? assert.fail(`no ${key} in the runner Secret`), 'base64').toString();
  const creds = value(SECRET_KEYS.natsCreds);
  const seed = /\bSU[A-Z2-7]{56}\b/.exec(creds)?.[0] ?? assert.fail('no user seed in the NATS creds');
  const jwt = /\beyJ[\w-]+\.[\w-]+\.[\w-]+/.exec(creds)?.[0] ?? assert.fail('no JWT in the NATS creds');
  const tenantUri = value(SECRET_KEYS.mongoUri);
  const password = (uri: string) => decodeURIComponent(new URL(uri).password);
  return [seed, jwt, password(tenantUri), tenantUri, stack.nats.signer.signingSeed, password(stack.mongo.uri), stack.mongo.uri];
}

/** The fixture's runtime tree with the probe in front of its executable, and where the probe finds the servers. */
async function probedArchive(): Promise<string> {
  const node = stack.realNode ?? assert.fail('no real node');
  scratch = await mkdtemp(join(tmpdir(), 'sandbox-probe-'));
  const { repoDir } = await makeFixtureRepo({ dir: join(scratch, 'model') });
  await buildFixture(repoDir);
  for (const file of ['probe.sh', 'probe.cjs']) await copyFile(join(PROBE_DIR, file), join(repoDir, file));
  await chmod(join(repoDir, 'probe.sh'), 0o755);
  const [host, port] = new URL(node.fromPods.natsUrl).host.split(':');
  const targets = { secrets: (await secrets()).map((s) => Buffer.from(s).toString('base64')), nats: { host, port: Number(port) }, mongo: node.fromPods.mongoHostPort, database: world.database };
  await writeFile(join(repoDir, 'probe-targets.json'), JSON.stringify(targets));
  const archive = join(scratch, 'probed.tar.gz');
  await packRuntimeTree(repoDir, archive, ['.git', '*.o', '*.c', '*.h']);
  return archive;
}

before(async () => {
  await world.setUp();
  await world.createReadyBuild('fixture');
  release = await installOnRealNode(world);
  // A first campaign makes the operator mint the namespace's identities into the runner Secret.
  await world.createCampaign('first', { config: 'Aloha', runFilter: '0', execution: { parallelism: 1, cpu: '500m', maxAttempts: 1 } });
  await eventually('the runner Secret', () => world.core.readNamespacedSecret({ name: SECRET_NAME, namespace: world.namespace }).catch(() => notYet('absent')), 120_000, 1000);
  await eventually('campaign first finishes', async () => {
    const c: SimulationCampaign = await world.getCampaign('first');
    return c.status?.phase === 'Succeeded' || c.status?.phase === 'Failed' ? c : notYet(c.status);
  }, 300_000, 1000);
  // The probe, knowing them, as the artifact of a second build of this namespace.
  const probed = await uploadArtifact(world.db, await probedArchive(), { namespace: world.namespace, build: 'probed' });
  await world.createReadyBuild('probed', undefined, probed);
});

after(async () => {
  await world.kubectl('delete', 'simulationcampaigns', '--all', '-n', world.namespace, '--wait=true', '--timeout=30s').catch(() => undefined);
  await release?.uninstall();
  await world.tearDown();
  await rm(scratch, { recursive: true, force: true });
});

describe('a simulation on the real node', { timeout: 600_000 }, () => {
  let report: ProbeReport;

  before(async () => {
    await world.createCampaign('probe', {
      buildRef: { name: 'probed' },
      config: 'Aloha',
      runFilter: '0',
      simulation: { executable: './probe.sh' },
      results: { include: ['*.sca', '*.vec', '*.vci', '*.out', 'probe.json'] },
      execution: { parallelism: 1, cpu: '500m', maxAttempts: 1 },
    });
    const done = await eventually('campaign probe finishes', async () => {
      const c: SimulationCampaign = await world.getCampaign('probe');
      return c.status?.phase === 'Succeeded' || c.status?.phase === 'Failed' ? c : notYet(c.status);
    }, 300_000, 1000);
    const [run] = await runsOf(world.db).find({ campaignUid: done.metadata.uid ?? '' }).toArray();
    assert.equal(run?.status, 'succeeded', JSON.stringify(run));
    const file = run?.resultFiles?.find((f) => f.name === 'probe.json') ?? assert.fail(`no probe.json among ${JSON.stringify(run?.resultFiles)}`);
    report = JSON.parse(await text(new GridFSBucket(world.db, { bucketName: RESULTS_BUCKET }).openDownloadStream(file.gridfsId))) as ProbeReport;
  });

  it('runs in the runner pod\'s sandbox container, which sees none of the runner\'s processes', async (t) => {
    t.diagnostic(`probe: ${report.files.read} files read, ${report.files.unreadable} unreadable; processes: ${JSON.stringify(report.processes)}; nats: ${report.nats}; mongo: ${JSON.stringify(report.mongo)}`);
    // The pods of a finished Job are gone; its template is what they ran.
    const pod = (await world.batch.readNamespacedJob({ name: 'probe-runners', namespace: world.namespace })).spec?.template;
    assert.deepEqual([pod?.spec?.initContainers?.map((c) => c.name), pod?.spec?.containers.map((c) => c.name)], [['simulation'], ['runner']]);
    const commands = report.processes.map((p) => p.cmdline ?? '');
    assert.ok(commands.some((c) => c.includes('inet-swarm-launcher --listen')), JSON.stringify(commands));
    assert.ok(!commands.some((c) => c.includes('pods/runner/main.js')), JSON.stringify(commands));
  });

  it('finds no credential in its environment, in /proc, or in any file it can read', () => {
    assert.deepEqual(report.found, []);
    assert.ok(!report.env.some((name) => name.startsWith('INETSWARM_')), report.env.join(' '));
    // The walk went through the image, the artifact and the volumes the sandbox shares with the runner.
    for (const dir of ['/usr/local/bin', '/var/cache/inet-swarm/artifacts', '/var/lib/inet-swarm/work', '/var/run/inet-swarm/launcher']) {
      assert.ok(report.files.dirs.some((d) => d === dir || d === dir.replace(/^\/var\/run\//, '/run/')), `${dir} not walked: ${report.files.dirs.join(' ')}`);
    }
    assert.ok(report.files.read > 1000, `read ${report.files.read} files`);
  });

  it('is refused by NATS and by MongoDB without credentials', () => {
    assert.match(report.nats, /-ERR 'Authorization Violation'/);
    assert.match(report.mongo.listDatabases, /^refused: .*(auth|Unauthorized)/i);
    assert.match(report.mongo.readRuns, /^refused: .*(auth|Unauthorized)/i);
  });
});
