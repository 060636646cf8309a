// `inet-swarm results --mongo-port-forward` (an admin's way past the results
// API): the CLI reads the store's address
// from the namespace's inet-swarm-builder Secret, finds a ready pod behind the
// Service it names and port-forwards to it through the API server itself.
// The "MongoDB pod" is a kwok pod on a node of this test's own kwok process,
// whose kubelet server (HTTPS) forwards that pod's port to the stack's
// FerretDB (kwok's PortForward configuration): the API server's port-forward
// machinery is the real one, only the pod is simulated.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { MongoClient } from 'mongodb';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { beginAttempt } from '../../lib/store/attempts.ts';
import { recordSuccess } from '../../lib/store/success.ts';
import { tenantDatabase } from '../../lib/store/tenant.ts';
import { freePort, ManagedProcess } from '../stack/process.ts';
import { KWOK_NODE_ANNOTATION, kwokBinary, kwokStagesFile } from '../stack/servers/kwok.ts';
import { useStack } from '../stack/env.ts';
import type { StackInfo } from '../stack/types.ts';
import { eventually } from '../support/campaign.ts';
import { cliEnv, collect, spawnCli } from '../support/cli.ts';

const exec = promisify(execFile);

const tag = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
const namespace = `cli-pf-${tag}`;
const database = `cli_pf_${tag}`;
/** The namespace's own database under the prefix `database` (what the CLI reads). */
const namespaceDb = tenantDatabase(database, namespace);
const nodeName = `cli-pf-${tag}`;
let stack: StackInfo;
let dir = '';
let kwok: ManagedProcess | undefined;
let core: CoreV1Api;
let mongo: MongoClient;

before(async () => {
  stack = await useStack();
  dir = await mkdtemp(path.join(tmpdir(), 'cli-pf-'));
  const kc = new KubeConfig();
  kc.loadFromFile(stack.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  mongo = await new MongoClient(stack.mongo.uri).connect();
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  // The CRDs, so that this file passes run alone too (in the suite an earlier file installed them).
  const kubectl = (...args: string[]) => exec(stack.k8sBinary, ['kubectl', '--kubeconfig', stack.kubeconfig, ...args]);
  await kubectl('apply', '--server-side', '--force-conflicts', '-f', path.join(import.meta.dirname, '..', '..', 'crds'));
  await kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd/simulationcampaigns.inetswarm.dev');

  // A kubelet for one node: kwok with a serving certificate (the API server talks HTTPS to kubelets).
  await exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')]);
  const mongoPort = Number(new URL(stack.mongo.uri.replace(/^mongodb:/, 'http:')).port);
  const config = `${await readFile(await kwokStagesFile(), 'utf8')}\n---\n${JSON.stringify({
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'PortForward',
    metadata: { name: 'mongo-0', namespace },
    spec: { forwards: [{ target: { port: mongoPort, address: '127.0.0.1' } }] },
  })}\n`;
  await writeFile(path.join(dir, 'kwok.yaml'), config);
  await core.createNode({
    body: {
      metadata: { name: nodeName, annotations: { [KWOK_NODE_ANNOTATION]: nodeName }, labels: { type: 'kwok' } },
      status: { allocatable: { cpu: '4', memory: '8Gi', pods: '10' }, capacity: { cpu: '4', memory: '8Gi', pods: '10' } },
    },
  });
  const port = await freePort();
  kwok = ManagedProcess.start({
    name: 'kwok-portforward',
    command: await kwokBinary(),
    args: [
      `--kubeconfig=${stack.kubeconfig}`,
      `--config=${path.join(dir, 'kwok.yaml')}`,
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=${nodeName}`,
      `--server-address=127.0.0.1:${port}`,
      `--node-port=${port}`,
      '--node-ip=127.0.0.1',
      `--tls-cert-file=${path.join(dir, 'cert.pem')}`,
      `--tls-private-key-file=${path.join(dir, 'key.pem')}`,
    ],
    logFile: path.join(dir, 'kwok.log'),
  });

  // What the chart and the operator would have made: the MongoDB Service, its pod, the Secret with the in-cluster URI.
  await core.createNamespacedService({
    namespace,
    body: { metadata: { name: 'inet-swarm-mongodb' }, spec: { selector: { app: 'mongodb' }, ports: [{ port: 27017, targetPort: 27017 }] } },
  });
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'mongo-0', labels: { app: 'mongodb' } },
      spec: { nodeName, containers: [{ name: 'mongodb', image: 'mongo:7', ports: [{ containerPort: 27017 }] }] },
    },
  });
  const credentials = /^mongodb:\/\/([^@/]*)@/.exec(stack.mongo.uri)?.[1] ?? '';
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: 'inet-swarm-builder' },
      stringData: { uri: `mongodb://${credentials}@inet-swarm-mongodb.${namespace}.svc:27017/?authSource=admin` },
    },
  });
  await eventually('the MongoDB pod is Running and Ready', async () => {
    const pod = await core.readNamespacedPod({ name: 'mongo-0', namespace });
    return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
  });
});

after(async () => {
  await kwok?.stop();
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  await core?.deleteNode({ name: nodeName }).catch(() => undefined);
  await mongo?.db(namespaceDb).dropDatabase().catch(() => undefined);
  await mongo?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('inet-swarm results through a port-forward', { timeout: 180_000 }, () => {
  it('downloads the stored result files with --mongo-port-forward through the API server, .vec mtime as the .vci records', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(stack.kubeconfig);
    const campaign = (await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: 'inetswarm.dev',
      version: 'v1alpha1',
      namespace,
      plural: 'simulationcampaigns',
      body: { apiVersion: 'inetswarm.dev/v1alpha1', kind: 'SimulationCampaign', metadata: { name: 'stored' }, spec: { buildRef: { name: 'b' }, config: 'Aloha' } },
    })) as SimulationCampaign;
    const uid = campaign.metadata.uid ?? '';

    // One run's results as a runner stores them.
    const runDir = path.join(dir, 'run');
    const base = path.join(runDir, 'Aloha-numHosts=10-#0');
    await exec('mkdir', ['-p', runDir]);
    const vec = 'version 3\nvector 0 Net.host sent ETV\n0\t1\t0.5\t1\n';
    await writeFile(`${base}.vec`, vec);
    await writeFile(`${base}.vci`, `file ${Buffer.byteLength(vec)} 1600000000\nversion 3\n`);
    await writeFile(`${base}.sca`, 'version 3\nrun Aloha-0\nscalar Net.host sent 3\n');
    const db = mongo.db(namespaceDb);
    const begun = await beginAttempt(db, uid, 0, 'runner-0', 3);
    assert.equal(begun.state, 'run');
    await recordSuccess(db, {
      campaignUid: uid, run: 0, attempt: 1, token: begun.token, runnerPod: 'runner-0', reason: 'Succeeded', exitCode: 0, signal: null, elapsedMs: 5,
      files: ['sca', 'vec', 'vci'].map((ext) => ({ path: `${base}.${ext}`, name: `${path.basename(base)}.${ext}` })), iterationVars: { numHosts: '10' }, scalars: [],
    });

    const out = path.join(dir, 'downloaded');
    const env = cliEnv({ KUBECONFIG: stack.kubeconfig, INETSWARM_MONGO_DATABASE: database });
    const result = await collect(spawnCli(['--json', 'results', 'stored', '-n', namespace, '-o', out, '--mongo-port-forward'], { cwd: dir, env }));
    assert.equal(result.code, 0, `${result.stderr}\n${await readFile(path.join(dir, 'kwok.log'), 'utf8').then((t) => t.slice(-1500))}`);
    assert.deepEqual(JSON.parse(result.stdout).files, 3);
    for (const ext of ['.sca', '.vec', '.vci']) {
      const name = `${path.basename(base)}${ext}`;
      assert.deepEqual(await readFile(path.join(out, name)), await readFile(`${base}${ext}`), `${name} arrived intact`);
    }
    assert.equal(Math.floor((await stat(path.join(out, `${path.basename(base)}.vec`))).mtimeMs / 1000), 1600000000);
  });

  it('says what to do when the Secret with the address is missing', async () => {
    await core.deleteNamespacedSecret({ name: 'inet-swarm-builder', namespace });
    const env = cliEnv({ KUBECONFIG: stack.kubeconfig, INETSWARM_MONGO_DATABASE: database });
    const result = await collect(spawnCli(['results', 'stored', '-n', namespace, '-o', path.join(dir, 'x'), '--mongo-port-forward'], { cwd: dir, env }));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Secret .*inet-swarm-builder.*--mongo-uri/);
  });
});
