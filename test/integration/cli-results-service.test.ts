// The CLI reading results through the results service, as a user whose only
// rights are in their own namespace (kwok nodes): a real campaign (the
// operator as a child process, runner processes from the Job's pod template,
// config Errors: 10 runs, 3 and 7 fail), the real results service registered
// with the stack's API server as its aggregated API, and the real CLI process
// with a ServiceAccount's kubeconfig and no database address. `results`,
// `logs --run`, `rerun --failed` and `dashboard` work for that user and give
// what an admin's --mongo-uri gives; another namespace is refused with a
// message that says so.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { connect as tcpConnect, createServer, type AddressInfo, type Socket } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { campaignPath, RESULTS_API_PATH, type CampaignSummary } from '../../api/results.ts';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { useStack } from '../stack/env.ts';
import type { StackInfo } from '../stack/types.ts';
import { CampaignWorld } from '../support/campaign.ts';
import { cliEnv, collect, runCli, spawnCli, type CliRun } from '../support/cli.ts';
import { getAs, serviceAccountKubeconfig, startResultsService, type ResultsService } from '../support/results-service.ts';

let stack: StackInfo;
let world: CampaignWorld;
let service: ResultsService;
let root = '';
let userKubeconfig = '';
const USER = 'researcher';
/** The rights the CLI user has, in their own namespace only (docs/cli.md lists them). */
const USER_RULES = [
  { apiGroups: ['inetswarm.dev'], resources: ['simulationcampaigns', 'inetbuilds'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['inetswarm.dev'], resources: ['simulationcampaigns'], verbs: ['create'] },
];

/** The CLI as the namespace's user: their kubeconfig, no MongoDB address anywhere in its environment. */
function asUser(args: string[]): Promise<CliRun> {
  const env = cliEnv({ KUBECONFIG: userKubeconfig });
  delete env.INETSWARM_MONGO_URI;
  return runCli(args, { cwd: root, env });
}

/**
 * A TCP relay to the API server (TLS passes through it untouched) that counts
 * the bytes each connection brings back and, past `cutAfter` of them, breaks
 * that connection: a network that fails mid-download.
 */
async function relay(cutAfter: number | undefined): Promise<{ kubeconfig: string; largest: () => number; close: () => Promise<void> }> {
  const server = new URL(world.kubeConfig.getCurrentCluster()?.server ?? '');
  const sockets = new Set<Socket>();
  let largest = 0;
  const relayServer = createServer((client) => {
    const upstream = tcpConnect(Number(server.port), server.hostname);
    sockets.add(client).add(upstream);
    let down = 0;
    upstream.on('data', (chunk: Buffer) => {
      down += chunk.length;
      largest = Math.max(largest, down);
      client.write(chunk);
      if (cutAfter !== undefined && down > cutAfter) {
        client.destroy();
        upstream.destroy();
      }
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => relayServer.listen(0, '127.0.0.1', resolve));
  const port = (relayServer.address() as AddressInfo).port;
  const kubeconfig = path.join(root, `kubeconfig-relay-${port}`);
  await writeFile(kubeconfig, (await readFile(userKubeconfig, 'utf8')).replace(server.origin, `https://127.0.0.1:${port}`), { mode: 0o600 });
  return {
    kubeconfig,
    largest: () => largest,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      relayServer.close(() => resolve());
    }),
  };
}

/** The CLI as an admin reading the store directly. */
function asAdmin(args: string[]): Promise<CliRun> {
  return runCli([...args, '-n', world.namespace, '--mongo-uri', stack.mongo.uri, '--mongo-database', world.database], {
    cwd: root,
    env: cliEnv({ KUBECONFIG: stack.kubeconfig }),
  });
}

/** Every file under `dir`: its content's hash, and for a .vec its mtime (the one its .vci records). */
async function listing(dir: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    if (entry.isDirectory()) Object.assign(out, await listing(dir, rel));
    else {
      const hash = createHash('sha256').update(await readFile(path.join(dir, rel))).digest('hex');
      out[rel] = rel.endsWith('.vec') ? `${hash} mtime ${Math.floor((await stat(path.join(dir, rel))).mtimeMs / 1000)}` : hash;
    }
  }
  return out;
}

before(async () => {
  stack = await useStack();
  world = new CampaignWorld(stack, 'cli-results-svc');
  await world.setUp();
  root = await mkdtemp(path.join(tmpdir(), 'cli-results-svc-'));
  await world.startOperator();
  await world.createReadyBuild('fixture');
  service = await startResultsService(stack, { INETSWARM_MONGO_DATABASE: world.database });
  const rbac = world.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace: world.namespace, body: { metadata: { name: USER }, rules: USER_RULES } });
  await rbac.createNamespacedRoleBinding({
    namespace: world.namespace,
    body: {
      metadata: { name: USER },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: USER },
      subjects: [{ kind: 'ServiceAccount', name: USER, namespace: world.namespace }],
    },
  });
  userKubeconfig = await serviceAccountKubeconfig(stack, world.namespace, USER, root);
  // Long vectors: an archive of megabytes, so that a download broken half-way leaves much to resume.
  await world.createCampaign('errors', { config: 'Errors', simulation: { executable: './oppsim', extraArgs: ['--**.oppsim.vectorSamples=20000'] }, execution: { parallelism: 2 } });
  await world.startRunners('errors', 2);
  await world.campaignWhere('errors', 'finished', (c: SimulationCampaign) => c.status?.completionTime !== undefined, 180_000);
});

after(async () => {
  await service?.stop();
  await world?.tearDown();
  if (root) await rm(root, { recursive: true, force: true });
});

/** The archive offset half-way through the body of its largest file (ustar headers; pax records skipped as such). */
function middleOfLargestFile(tar: Buffer): number {
  let best = { size: -1, at: 0 };
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0; ) {
    const size = parseInt(tar.subarray(at + 124, at + 136).toString('ascii').replace(/\0.*$/, '').trim() || '0', 8);
    const type = String.fromCharCode(tar[at + 156] ?? 48);
    if (type !== 'x' && size > best.size) best = { size, at: at + 512 };
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return best.at + Math.floor(best.size / 2);
}

describe('the CLI through the results service, as a user of one namespace', { timeout: 600_000 }, () => {
  it('downloads the same files through the API as an admin gets from the store', async () => {
    const mine = await asUser(['--json', 'results', 'errors', '-o', path.join(root, 'user')]);
    assert.equal(mine.code, 0, mine.stderr);
    const done = JSON.parse(mine.stdout) as { files: number; runs: number };
    const direct = await asAdmin(['results', 'errors', '-o', path.join(root, 'admin')]);
    assert.equal(direct.code, 0, direct.stderr);
    const files = await listing(path.join(root, 'user'));
    assert.deepEqual(files, await listing(path.join(root, 'admin')));
    assert.equal(done.runs, 8, 'the 8 succeeded runs');
    assert.equal(done.files, Object.keys(files).length);
    assert.ok(Object.keys(files).some((f) => f.endsWith('.vec')), Object.keys(files).join(','));
  });

  it("exports the same CSV-R scalars through the service's export as an admin from the store", async () => {
    const mine = await asUser(['--json', 'results', 'errors', '--scalars-csv', path.join(root, 'user.csv')]);
    assert.equal(mine.code, 0, mine.stderr);
    const direct = await asAdmin(['results', 'errors', '--scalars-csv', path.join(root, 'admin.csv')]);
    assert.equal(direct.code, 0, direct.stderr);
    const csv = await readFile(path.join(root, 'user.csv'), 'utf8');
    assert.equal(csv, await readFile(path.join(root, 'admin.csv'), 'utf8'));
    assert.match(csv, /^run,type,module,name,attrname,attrvalue,value/);
    const done = JSON.parse(mine.stdout) as { scalarRows: number; scalarRuns: number };
    assert.equal(done.scalarRuns, 8);
    assert.equal(done.scalarRows, csv.split('\n').filter((l) => l.split(',')[1] === 'scalar').length);
  });

  it('continues a download broken half-way where it stopped, inside the file that broke', async () => {
    const archive = await getAs(userKubeconfig, campaignPath(world.namespace, 'errors', 'proxy', 'archive'));
    assert.equal(archive.status, 200, archive.body.toString('utf8').slice(0, 300));
    const size = archive.body.length;
    assert.ok(size > 1_000_000, `an archive of ${size} bytes`);
    const out = path.join(root, 'resumed');
    // Cut in the middle of the largest file's bytes: a cut at a fixed fraction of the archive may fall between two
    // files, and then no file is broken in the middle.
    const cut = await relay(middleOfLargestFile(archive.body));
    const env = (kubeconfig: string): NodeJS.ProcessEnv => cliEnv({ KUBECONFIG: kubeconfig });
    const broken = await runCli(['results', 'errors', '-o', out], { cwd: root, env: env(cut.kubeconfig) });
    await cut.close();
    assert.equal(broken.code, 1, broken.stderr);
    assert.match(broken.stderr, /^Error: Downloading the results of errors broke after \d+ files in .*Run the same command again to continue where it stopped\./);
    const state = JSON.parse(await readFile(path.join(out, '.inet-swarm-download.json'), 'utf8')) as { entry?: { path: string } };
    assert.ok(state.entry, 'the state names the file that broke');
    const whole = await relay(undefined);
    const resumed = await runCli(['--json', 'results', 'errors', '-o', out], { cwd: root, env: env(whole.kubeconfig) });
    await whole.close();
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.ok(whole.largest() < size * 0.6, `the resumed download fetched ${whole.largest()} of the archive's ${size} bytes`);
    assert.deepEqual(await listing(out), await listing(path.join(root, 'admin')));
    assert.equal((JSON.parse(resumed.stdout) as { runs: number }).runs, 8, 'the runs of both attempts are counted');
  });

  it("shows a failed run's error line and attempts with logs --run", async () => {
    const mine = await asUser(['logs', 'errors', '--run', '3']);
    assert.equal(mine.code, 0, mine.stderr);
    const direct = await asAdmin(['logs', 'errors', '--run', '3']);
    const [head, , error] = direct.stdout.split('\n');
    assert.match(mine.stdout, /^Run 3: failed, 1 attempt\(s\)/);
    assert.equal(mine.stdout.split('\n')[0], head);
    assert.ok(error && mine.stdout.includes(error), `the error line ${error ?? ''} in\n${mine.stdout}`);
  });

  it('reruns exactly the failed runs with rerun --failed', async () => {
    const mine = await asUser(['--json', 'rerun', 'errors', '--failed']);
    assert.equal(mine.code, 0, mine.stderr);
    const created = JSON.parse(mine.stdout) as { created: string; runs: number[]; runFilter: string };
    assert.deepEqual(created.runs, [3, 7]);
    const campaign = await world.getCampaign(created.created);
    assert.equal(campaign.spec.runFilter, '3,7');
  });

  it('tells the user they may not read another namespace, with exit code 1', async () => {
    const other = `${world.namespace}-other`;
    await world.core.createNamespace({ body: { metadata: { name: other } } });
    try {
      const refused = await asUser(['results', 'errors', '-n', other, '-o', path.join(root, 'other')]);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, new RegExp(`^Error: You may not read campaigns in namespace ${other} `));
      assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      await world.core.deleteNamespace({ name: other }).catch(() => undefined);
    }
  });

  it('serves the API to the browser through inet-swarm dashboard, for 127.0.0.1 only', async () => {
    const env = cliEnv({ KUBECONFIG: userKubeconfig });
    const child = spawnCli(['--json', 'dashboard'], { cwd: root, env });
    const ended = collect(child);
    const first = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout?.on('data', (b: Buffer) => {
        text += b.toString('utf8');
        if (text.includes('\n')) resolve(text.split('\n')[0] ?? '');
      });
      child.once('exit', () => reject(new Error(`dashboard exited early: ${text}`)));
    });
    const { port, url } = JSON.parse(first) as { port: number; url: string };
    assert.equal(url, `http://127.0.0.1:${port}${RESULTS_API_PATH}/dashboard/`);
    const get = (p: string, host = `127.0.0.1:${port}`, method = 'GET'): Promise<{ status: number; location?: string; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: p, method, headers: { Host: host } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}), body }));
        });
        req.once('error', reject);
        req.end();
      });
    try {
      const summary = await get(`${RESULTS_API_PATH}/namespaces/${world.namespace}/campaigns/errors`);
      assert.equal(summary.status, 200, summary.body);
      const doc = JSON.parse(summary.body) as CampaignSummary;
      assert.deepEqual([doc.name, doc.runs.succeeded, doc.runs.failed], ['errors', 8, 2]);
      const rebound = await get(`${RESULTS_API_PATH}/namespaces/${world.namespace}/campaigns/errors`, `attacker.example:${port}`);
      assert.equal(rebound.status, 403);
      assert.doesNotMatch(rebound.body, /errors/);
      assert.equal((await get(`${RESULTS_API_PATH}/namespaces/${world.namespace}/campaigns/errors`, undefined, 'POST')).status, 405);
      assert.equal((await get('/api/v1/namespaces/default/secrets')).status, 404, 'nothing outside the results API');
      const home = await get('/');
      assert.deepEqual([home.status, home.location], [302, `${RESULTS_API_PATH}/dashboard/`]);
    } finally {
      child.kill('SIGINT');
    }
    const exit = await ended;
    assert.equal(exit.code, 130, exit.stderr);
  });
});
