// The chart's NATS keys, end to end without a pod (kwok nodes run none): the
// hook Job's program (operator/nats-keys.ts, run here as the Job would run it,
// against the stack's API server) creates the keys Secret once and keeps it on
// a second run; the nats.conf the chart renders, with the Secret's server.conf
// mounted beside it as the StatefulSet mounts it, starts the stack's real
// nats-server in operator mode with JetStream; the signing key in the Secret
// mints a user the server accepts, and a namespace's user is refused another
// namespace's subjects.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { useStack } from '../stack/env.ts';
import { helmBinary } from '../stack/helm.ts';
import { ManagedProcess, freePort } from '../stack/process.ts';
import { natsServerBinary } from '../stack/servers/nats.ts';
import { chartRenderer, find } from '../support/chart.ts';
import { REPO_ROOT } from '../support/campaign.ts';
import { credsOptions, mintUserCreds, type AccountSigner } from '../../lib/queue/identity.ts';
import { runnerPermissions } from '../../lib/queue/permissions.ts';
import { queueNames, taskSubject } from '../../lib/queue/subjects.ts';

const stack = await useStack();
const suffix = randomBytes(3).toString('hex');
const namespace = `chart-nats-keys-${suffix}`;
const release = `r${suffix}`;
const secretName = `${release}-inet-swarm-nats-keys`;
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(stack.kubeconfig);
const core = kubeConfig.makeApiClient(CoreV1Api);
let dir: string;

before(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  dir = await mkdtemp(join(tmpdir(), 'chart-nats-keys-'));
});

after(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

/** Runs the hook Job's command with its environment; resolves with its exit code and output. */
function runKeysJob(): Promise<{ code: number | null; output: string }> {
  const env = { PATH: process.env.PATH, KUBECONFIG: stack.kubeconfig, INETSWARM_POD_NAMESPACE: namespace, INETSWARM_NATS_KEYS_SECRET: secretName };
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'operator/nats-keys.ts')], { env, cwd: REPO_ROOT });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

async function secretData(): Promise<Record<string, string>> {
  const secret = await core.readNamespacedSecret({ name: secretName, namespace });
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
}

/** The chart's nats.conf with this host's ports and paths; everything else as rendered. */
async function renderedConfig(port: number, monitorPort: number): Promise<string> {
  const { render } = chartRenderer(stack, await helmBinary(), release, namespace);
  const docs = await render({});
  const job = find(docs, 'Job', secretName, namespace);
  assert.deepEqual(job.spec.template.spec.containers[0].args, ['node', 'operator/nats-keys.js']);
  assert.equal(job.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade');
  const sts = find(docs, 'StatefulSet', `${release}-inet-swarm-nats`, namespace);
  const keysVolume = sts.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'keys');
  assert.equal(keysVolume.secret.secretName, secretName);
  const config = find(docs, 'ConfigMap', `${release}-inet-swarm-nats`, namespace).data['nats.conf'] as string;
  return config
    .replace('0.0.0.0:4222', `127.0.0.1:${port}`)
    .replace('0.0.0.0:8222', `127.0.0.1:${monitorPort}`)
    .replace('/var/run/nats/nats.pid', join(dir, 'nats.pid'))
    .replace('/data/jetstream', join(dir, 'jetstream'));
}

test('the hook creates the NATS keys once, and the chart\'s NATS runs in operator mode with them', async () => {
  const first = await runKeysJob();
  assert.equal(first.code, 0, first.output);
  assert.match(first.output, /Created NATS keys/);
  const keys = await secretData();
  assert.deepEqual(Object.keys(keys).sort(), ['account', 'server.conf', 'signing-key']);
  assert.ok(!first.output.includes(keys['signing-key']!), 'no seed in the log');
  const second = await runKeysJob();
  assert.equal(second.code, 0, second.output);
  assert.match(second.output, /Kept existing NATS keys/);
  assert.deepEqual(await secretData(), keys, 'a second run keeps the keys');

  // The StatefulSet's layout: the ConfigMap at /etc/nats, the Secret's server.conf at /etc/nats-keys.
  const [port, monitorPort] = [await freePort(), await freePort()];
  await mkdir(join(dir, 'nats'));
  await mkdir(join(dir, 'nats-keys'));
  await writeFile(join(dir, 'nats', 'nats.conf'), await renderedConfig(port, monitorPort));
  await writeFile(join(dir, 'nats-keys', 'server.conf'), keys['server.conf']!);
  const server = ManagedProcess.start({
    name: 'nats-server',
    command: await natsServerBinary(),
    args: ['--config', join(dir, 'nats', 'nats.conf')],
    logFile: join(dir, 'nats-server.log'),
    env: { ...process.env, POD_NAME: 'nats-0' },
  });
  try {
    await server.waitReady(async () => (await fetch(`http://127.0.0.1:${monitorPort}/healthz`)).ok, 30_000);
    const signer: AccountSigner = { account: keys.account!, signingSeed: keys['signing-key']! };
    const url = `nats://127.0.0.1:${port}`;
    const admin = await connect({ servers: url, ...credsOptions(await mintUserCreds(signer, 'test admin')) });
    const jsm = await jetstreamManager(admin);
    await jsm.streams.add({ name: 'KEYS_CHECK', subjects: ['keys.check.>'] });
    assert.equal((await jsm.streams.info('KEYS_CHECK')).config.name, 'KEYS_CHECK', 'JetStream is on in the account');
    await admin.close();
    const names = queueNames();
    const tenant = await connect({ servers: url, ...credsOptions(await mintUserCreds(signer, 'runners of a', runnerPermissions(names, 'a')), 'a') });
    const other = taskSubject(names, { namespace: 'b', campaign: 'c', campaignUid: 'u' });
    await assert.rejects(tenant.request(other, 'x', { timeout: 5000 }), /Permissions Violation for Publish/);
    await tenant.close();
    await assert.rejects(connect({ servers: url, user: 'inetswarm', pass: 'anything', reconnect: false }), /Authorization Violation/i);
  } finally {
    await server.stop();
  }
});

