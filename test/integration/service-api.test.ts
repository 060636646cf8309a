// The results service's API through the stack's real API server, as users
// reach it: a real campaign (operator, runners, fixture runs 3 and 7 failing)
// in one namespace, a campaign in another; a user who may read only the first
// namespace, one who may read nothing, and requests that try to skip the API
// server. The OpenAPI document is checked against the answers.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RESULTS_API_PATH, campaignPath, type CampaignList, type CampaignSummary, type FailureList, type RunDetail, type RunPage } from '../../api/results.ts';
import { JSON_SCHEMA_OF, SCHEMAS, openApiPath } from '../../service/api/openapi.ts';
import { ROUTES } from '../../service/http/routes.ts';
import { useStack } from '../stack/env.ts';
import { CampaignWorld } from '../support/campaign.ts';
import { campaignReader, getAs, hostAddress, serviceAccountKubeconfig, startResultsService, type ResultsService } from '../support/results-service.ts';

const run = promisify(execFile);
let world: CampaignWorld;
let service: ResultsService;
let dir: string;
let reader: string;
let nobody: string;
const other = `service-api-other-${Date.now().toString(36)}`;

async function python(script: string, input: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('python3', ['-c', script], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout.trim())));
    child.stdin?.end(input);
  });
}

async function json<T>(kubeconfig: string, path: string): Promise<T> {
  const res = await getAs(kubeconfig, path);
  assert.equal(res.status, 200, `${path}: ${res.body.toString()}`);
  return JSON.parse(res.body.toString()) as T;
}

before(async () => {
  const stack = await useStack();
  world = new CampaignWorld(stack, 'service-api');
  await world.setUp();
  await world.startOperator();
  await world.createReadyBuild('fixture');
  await world.createCampaign('errors', { config: 'Errors', execution: { maxAttempts: 1 } });
  await world.startRunners('errors', 2);
  await world.campaignWhere('errors', 'finished', (c) => c.status?.phase === 'Failed' || c.status?.phase === 'Succeeded', 120_000);
  await world.core.createNamespace({ body: { metadata: { name: other } } });
  await world.custom.createNamespacedCustomObject({
    group: 'inetswarm.dev',
    version: 'v1alpha1',
    namespace: other,
    plural: 'simulationcampaigns',
    body: { apiVersion: 'inetswarm.dev/v1alpha1', kind: 'SimulationCampaign', metadata: { name: 'secret-study' }, spec: { buildRef: { name: 'x' }, config: 'General' } },
  });
  service = await startResultsService(stack, { INETSWARM_MONGO_DATABASE: world.database });
  dir = await mkdtemp(join(tmpdir(), 'service-api-'));
  reader = await campaignReader(stack, world.namespace, 'reader', dir);
  nobody = await serviceAccountKubeconfig(stack, world.namespace, 'nobody', dir);
});

after(async () => {
  await service?.stop();
  await world?.core.deleteNamespace({ name: other }).catch(() => undefined);
  await world?.tearDown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the results API through the API server', { timeout: 300_000 }, () => {
  it('shows a user the campaigns of exactly the namespaces they may read', async () => {
    const all = await json<CampaignList>(reader, `${RESULTS_API_PATH}/campaigns`);
    const names = all.items.map((c) => `${c.namespace}/${c.name}`);
    assert.ok(names.includes(`${world.namespace}/errors`), names.join());
    assert.ok(names.every((n) => n.startsWith(`${world.namespace}/`)), `only its own namespace: ${names.join()}`);
    const one = await json<CampaignSummary>(reader, campaignPath(world.namespace, 'errors'));
    assert.equal(one.phase, 'Failed');
    assert.deepEqual(one.runs, { total: 10, succeeded: 8, failed: 2, running: 0, pending: 0 });
  });

  it('answers kubectl get --raw as the user', async () => {
    const { stdout } = await run(world.stack.k8sBinary, ['kubectl', '--kubeconfig', reader, 'get', '--raw', campaignPath(world.namespace, 'errors')]);
    assert.equal((JSON.parse(stdout) as CampaignSummary).name, 'errors');
    await assert.rejects(run(world.stack.k8sBinary, ['kubectl', '--kubeconfig', nobody, 'get', '--raw', campaignPath(world.namespace, 'errors')]), /Forbidden|cannot get/);
  });

  it("refuses a user another namespace's campaign with 403, and one without rights everything", async () => {
    const foreign = await getAs(reader, campaignPath(other, 'secret-study'));
    assert.equal(foreign.status, 403);
    assert.match(JSON.parse(foreign.body.toString()).message, /cannot get simulationcampaigns/);
    for (const path of [campaignPath(world.namespace, 'errors'), campaignPath(world.namespace, 'errors', 'runs'), `${RESULTS_API_PATH}/namespaces/${world.namespace}/campaigns`]) {
      assert.equal((await getAs(nobody, path)).status, 403, path);
    }
    assert.deepEqual((await json<CampaignList>(nobody, `${RESULTS_API_PATH}/campaigns`)).items, []);
  });

  it('pages the runs by run number, forwards and from the last page back', async () => {
    const first = await json<RunPage>(reader, `${campaignPath(world.namespace, 'errors', 'runs')}?limit=4`);
    assert.deepEqual(first.items.map((r) => r.run), [0, 1, 2, 3]);
    assert.equal(first.prev, undefined);
    assert.equal(first.next, 3);
    const second = await json<RunPage>(reader, `${campaignPath(world.namespace, 'errors', 'runs')}?limit=4&after=3`);
    assert.deepEqual(second.items.map((r) => r.run), [4, 5, 6, 7]);
    assert.equal(second.prev, 4);
    const last = await json<RunPage>(reader, `${campaignPath(world.namespace, 'errors', 'runs')}?limit=4&last=true`);
    assert.deepEqual(last.items.map((r) => r.run), [6, 7, 8, 9]);
    assert.equal(last.next, undefined);
    const back = await json<RunPage>(reader, `${campaignPath(world.namespace, 'errors', 'runs')}?limit=4&before=${last.prev}`);
    assert.deepEqual(back.items.map((r) => r.run), [2, 3, 4, 5]);
    const failed = await json<RunPage>(reader, `${campaignPath(world.namespace, 'errors', 'runs')}?status=failed`);
    assert.deepEqual(failed.items.map((r) => [r.run, r.status]), [[3, 'failed'], [7, 'failed']]);
    assert.ok(failed.items.every((r) => r.errorLine && r.runnerPod && r.attempts === 1), JSON.stringify(failed.items));
    const bad = await getAs(reader, `${campaignPath(world.namespace, 'errors', 'runs')}?status=weird`);
    assert.equal(bad.status, 400);
  });

  it("groups failures by error line and shows a run's attempts", async () => {
    const failures = await json<FailureList>(reader, campaignPath(world.namespace, 'errors', 'failures'));
    assert.equal(failures.items.length, 1, JSON.stringify(failures));
    assert.deepEqual(failures.items[0]?.runs, [3, 7]);
    assert.equal(failures.items[0]?.count, 2);
    assert.match(failures.items[0]?.pattern ?? '', /^Injected error at run ## \(oppsim\.errorRuns\)/);
    const run = await json<RunDetail>(reader, campaignPath(world.namespace, 'errors', 'runs', 3));
    assert.equal(run.status, 'failed');
    assert.equal(run.attemptHistory.length, 1);
    assert.equal(run.attemptHistory[0]?.errorLine, failures.items[0]?.errorLine);
    const ok = await json<RunDetail>(reader, campaignPath(world.namespace, 'errors', 'runs', 4));
    assert.ok(ok.files.some((f) => f.name.endsWith('.sca')), JSON.stringify(ok.files));
    assert.equal((await getAs(reader, campaignPath(world.namespace, 'errors', 'runs', 99))).status, 404);
  });

  it('sends the campaign summary as a server-sent event, and another when the campaign changes', async () => {
    const events = (body: string): string[] => body.split('\n\n').filter((e) => e.startsWith('event: campaign\n'));
    let changed = false;
    const res = await getAs(reader, campaignPath(world.namespace, 'errors', 'proxy', 'events'), {}, (body) => {
      if (events(body).length === 1 && !changed) {
        changed = true;
        void world.custom.patchNamespacedCustomObject(
          { group: 'inetswarm.dev', version: 'v1alpha1', namespace: world.namespace, plural: 'simulationcampaigns', name: 'errors', body: [{ op: 'add', path: '/metadata/labels', value: { looked: 'yes' } }] },
        );
      }
      return events(body).length >= 2;
    });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /text\/event-stream/);
    const [first, second] = events(res.body.toString()).map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)) as CampaignSummary);
    assert.equal(first?.name, 'errors');
    assert.deepEqual(second?.runs, first?.runs);
  });

  it("streams the campaign's files as one tar through the API server, resumable, and one file by range", async () => {
    const full = await getAs(reader, campaignPath(world.namespace, 'errors', 'proxy', 'archive'));
    assert.equal(full.status, 200, full.body.toString().slice(0, 300));
    assert.equal(Number(full.headers['content-length']), full.body.length);
    const names = await python(
      'import sys, tarfile, io\nt = tarfile.open(fileobj=io.BytesIO(sys.stdin.buffer.read()))\nprint("\\n".join(sorted(m.name for m in t.getmembers())))',
      full.body,
    );
    const expected = (await json<RunPage>(reader, `${campaignPath(world.namespace, 'errors', 'runs')}?status=succeeded`)).items.length;
    const scas = names.split('\n').filter((n) => n.endsWith('.sca'));
    assert.equal(scas.length, expected, names);
    assert.ok(scas.every((n) => n.startsWith('results/')), names);
    const from = Math.floor(full.body.length / 3);
    const tail = await getAs(reader, campaignPath(world.namespace, 'errors', 'proxy', 'archive'), { range: `bytes=${from}-` });
    assert.equal(tail.status, 206);
    assert.ok(tail.body.equals(full.body.subarray(from)), 'the resumed tail is the full archive from the offset');
    const run = await json<RunDetail>(reader, campaignPath(world.namespace, 'errors', 'runs', 4));
    const sca = run.files.find((f) => f.name.endsWith('.sca'));
    const file = await getAs(reader, campaignPath(world.namespace, 'errors', 'proxy', 'runs', 4, 'files', sca?.name ?? ''), { range: 'bytes=0-2' });
    assert.equal(file.status, 206);
    assert.equal(file.body.toString(), 'ver');
  });

  it("exports the scalars as opp_scavetool's CSV-R, which Python's csv module reads", async () => {
    const res = await getAs(reader, `${campaignPath(world.namespace, 'errors', 'proxy', 'scalars')}?name=runNumber`);
    assert.equal(res.status, 200, res.body.toString().slice(0, 300));
    const rows = JSON.parse(
      await python('import sys, csv, json\nprint(json.dumps([r for r in csv.DictReader(sys.stdin) if r["type"] == "scalar"]))', res.body),
    ) as Array<Record<string, string>>;
    const runs = rows.map((r) => Number(r.value)).sort((a, b) => a - b);
    assert.deepEqual(runs, [0, 1, 2, 4, 5, 6, 8, 9], 'one runNumber scalar per succeeded run');
    assert.ok(rows.every((r) => r.name === 'runNumber' && /^Errors-\d+-/.test(r.run ?? '')), JSON.stringify(rows[0]));
  });

  it('answers every JSON route as its OpenAPI description says', async () => {
    const doc = await json<{ paths: Record<string, unknown> }>(reader, `${RESULTS_API_PATH}/openapi`);
    assert.deepEqual(Object.keys(doc.paths).sort(), ROUTES.map(openApiPath).sort());
    const concrete: Record<string, string> = {
      discovery: RESULTS_API_PATH,
      allCampaigns: `${RESULTS_API_PATH}/campaigns`,
      campaigns: `${RESULTS_API_PATH}/namespaces/${world.namespace}/campaigns`,
      campaign: campaignPath(world.namespace, 'errors'),
      runs: campaignPath(world.namespace, 'errors', 'runs'),
      run: campaignPath(world.namespace, 'errors', 'runs', 3),
      failures: campaignPath(world.namespace, 'errors', 'failures'),
      throughput: campaignPath(world.namespace, 'errors', 'throughput'),
      allBuilds: `${RESULTS_API_PATH}/builds`,
      builds: `${RESULTS_API_PATH}/namespaces/${world.namespace}/builds`,
      build: `${RESULTS_API_PATH}/namespaces/${world.namespace}/builds/fixture`,
    };
    for (const [route, path] of Object.entries(concrete)) {
      const body = await json<Record<string, unknown>>(reader, path);
      const schema = SCHEMAS[JSON_SCHEMA_OF[route as keyof typeof JSON_SCHEMA_OF] ?? ''] as { required?: string[] };
      for (const field of schema.required ?? []) assert.ok(field in body, `${route}: ${field} missing in ${JSON.stringify(body).slice(0, 200)}`);
    }
  });

  it('takes no request that did not come through the API server', async () => {
    const direct = await new Promise<number>((resolve, reject) => {
      const url = new URL(`https://${hostAddress()}:${service.port}${campaignPath(world.namespace, 'errors')}`);
      const req = request(url, { rejectUnauthorized: false, headers: { 'X-Remote-User': 'system:admin', 'X-Remote-Group': 'system:masters' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(direct, 401, 'forged identity headers without the front-proxy certificate');
  });
});
