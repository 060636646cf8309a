// A real `helm install` of the chart into the local stack's control plane: the
// operator, NATS and MongoDB pods are scheduled on the kwok system nodes (kwok
// runs no process, it marks them Running; the test runs the NATS keys hook
// Job's command itself, with the hook's own ServiceAccount token, and reports
// its pod Succeeded), an upgrade keeps the generated password and NATS keys, and the operator's ServiceAccount can do exactly what the
// operator's API calls need and nothing more (`kubectl auth can-i`, both ways),
// in the cluster-wide and the namespaced RBAC modes; the chart's admission
// policies refuse the operator's identity a token Secret and any Namespace
// change but the tenant label. Finally the operator itself, started in this
// process with the chart's ServiceAccount token, reconciles a build and a
// campaign without one forbidden request, writing the namespace's
// NetworkPolicies (validated by the API server) and its tenant label first.
// Whether a CNI enforces those policies is not tested: the stack has no
// enforcing CNI (a documented limit, docs/security.md).
import { after, before, test } from 'node:test';
import { Writable } from 'node:stream';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, type V1Container } from '@kubernetes/client-node';
import { apiMessage } from '../../lib/kube/errors.ts';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { useStack } from '../stack/env.ts';
import { helmBinary, runHelm } from '../stack/helm.ts';
import { loadConfig } from '../../operator/config.ts';
import { startOperator } from '../../operator/main.ts';
import { eventually } from '../support/eventually.ts';
import { POLICY_NAMES } from '../../operator/controllers/shared/network.ts';
import { containerCommand } from '../support/pod-like.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const chart = join(root, 'charts/inet-swarm');
const stack = await useStack();
const helm = await helmBinary();
const suffix = randomBytes(3).toString('hex');
/** Cluster-wide release. */
const ns = `chart-install-${suffix}`;
const release = `c${suffix}`;
/** Namespaced release (external NATS/MongoDB: only RBAC matters there). */
const nsScoped = `chart-scoped-${suffix}`;
const releaseScoped = `n${suffix}`;
/** A namespace of users' campaigns, watched only by the cluster-wide release. */
const other = `chart-other-${suffix}`;

async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(stack.k8sBinary, ['kubectl', '--kubeconfig', stack.kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function helmIn(namespace: string, args: string[]): Promise<void> {
  const result = await runHelm(helm, [...args, '--namespace', namespace], { kubeconfig: stack.kubeconfig });
  assert.equal(result.code, 0, `helm ${args.join(' ')}: ${result.stderr}${result.stdout}`);
}

interface PodView {
  name: string;
  component: string;
  node: string;
  phase: string;
  scheduled: boolean;
}

async function pods(namespace: string, instance: string): Promise<PodView[]> {
  const result = await kubectl('get', 'pods', '-n', namespace, '-l', `app.kubernetes.io/instance=${instance}`, '-o', 'json');
  assert.equal(result.code, 0, result.stderr);
  const list = JSON.parse(result.stdout) as {
    items: { metadata: { name: string; labels: Record<string, string> }; spec: { nodeName?: string }; status: { phase?: string; conditions?: { type: string; status: string }[] } }[];
  };
  return list.items.map((p) => ({
    name: p.metadata.name,
    component: p.metadata.labels['app.kubernetes.io/component'] ?? '',
    node: p.spec.nodeName ?? '',
    phase: p.status.phase ?? '',
    scheduled: p.status.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True') ?? false,
  }));
}

async function secretData(namespace: string, name: string): Promise<Record<string, string>> {
  const result = await kubectl('get', 'secret', name, '-n', namespace, '-o', 'jsonpath={.data}');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, string>;
}

async function canI(serviceAccount: string, namespace: string, args: string[]): Promise<boolean> {
  const result = await kubectl('auth', 'can-i', ...args, `--as=system:serviceaccount:${namespace}:${serviceAccount}`);
  assert.match(result.stdout.trim(), /^(yes|no)/, `kubectl auth can-i ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim().startsWith('yes');
}

// No results service: its APIService is one per cluster, and a kwok pod serves nothing, so it would stay
// unavailable and hold up every namespace deletion on the stack (node-real-e2e installs it on the real node).
const common = ['--set', 'crds.install=false', '--set', 'nats.persistence.enabled=false', '--set', 'mongodb.persistence.enabled=false', '--set', 'results.enabled=false'];

before(async () => {
  for (const namespace of [ns, nsScoped, other]) {
    const created = await kubectl('create', 'namespace', namespace);
    assert.equal(created.code, 0, created.stderr);
  }
  // The CRDs are shared by every test file on this stack: applied idempotently, never owned by one release.
  const crds = await kubectl('apply', '--server-side', '--force-conflicts', '--field-manager=chart-install-test', '-f', join(root, 'crds/inetbuilds.yaml'), '-f', join(root, 'crds/simulationcampaigns.yaml'));
  assert.equal(crds.code, 0, crds.stderr);
  const installing = helmIn(ns, ['install', release, chart, ...common]);
  await playKeysHook(ns, release);
  await installing;
  await helmIn(nsScoped, [
    'install', releaseScoped, chart, '--set', 'crds.install=false', '--set', 'results.enabled=false', '--set', 'rbac.scope=namespaced', '--set', 'rbac.aggregateToDefaultRoles=false',
    '--set', 'nats.enabled=false', '--set', 'nats.external.url=nats://nats.example.org:4222', '--set', 'nats.external.existingSecret=nats-keys',
    '--set', 'mongodb.enabled=false', '--set', 'mongodb.external.uriSecret.name=mongodb-uri',
  ]);
});

after(async () => {
  await runHelm(helm, ['uninstall', release, '--namespace', ns, '--wait=false'], { kubeconfig: stack.kubeconfig });
  await runHelm(helm, ['uninstall', releaseScoped, '--namespace', nsScoped, '--wait=false'], { kubeconfig: stack.kubeconfig });
  await kubectl('delete', 'namespace', ns, nsScoped, other, '--wait=false');
});

test('the installed operator, NATS and MongoDB pods are scheduled on system nodes and Running (kwok)', async () => {
  let seen: PodView[] = [];
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    seen = await pods(ns, release);
    const operators = seen.filter((p) => p.component === 'operator');
    if (operators.length === 2 && seen.length === 4 && seen.every((p) => p.phase === 'Running')) break;
    await sleep(1000);
  }
  assert.deepEqual(seen.map((p) => p.component).sort(), ['mongodb', 'nats', 'operator', 'operator'], JSON.stringify(seen));
  for (const pod of seen) {
    assert.ok(pod.scheduled, `${pod.name} is not scheduled`);
    assert.ok(stack.nodes.system.includes(pod.node), `${pod.name} runs on ${pod.node}, not on a system node (${stack.nodes.system.join(', ')})`);
    assert.equal(pod.phase, 'Running', `${pod.name} is ${pod.phase}`);
  }
});

/**
 * Plays the kubelet for the chart's NATS keys hook Job, which helm waits for: runs its container's command here
 * with the hook ServiceAccount's token (so its Role is what is tested), then reports the pod Succeeded.
 */
async function playKeysHook(namespace: string, instance: string): Promise<void> {
  const pod = await eventually('the nats-keys hook pod', async () => {
    const result = await kubectl('get', 'pods', '-n', namespace, '-l', `app.kubernetes.io/component=nats-keys,app.kubernetes.io/instance=${instance}`, '-o', 'json');
    const list = JSON.parse(result.stdout || '{"items":[]}') as { items: { metadata: { name: string }; spec: { containers: V1Container[]; serviceAccountName: string }; status: { phase?: string } }[] };
    return list.items.find((p) => p.status.phase === 'Running');
  }, 120_000);
  const container = pod.spec.containers[0]!;
  const { command, args } = containerCommand(container);
  const env = {
    PATH: process.env.PATH,
    KUBECONFIG: await serviceAccountKubeconfig(namespace, pod.spec.serviceAccountName),
    INETSWARM_POD_NAMESPACE: namespace,
    INETSWARM_NATS_KEYS_SECRET: container.env?.find((e) => e.name === 'INETSWARM_NATS_KEYS_SECRET')?.value,
  };
  const child = spawn(command, args, { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `the nats-keys hook: ${output}`);
  const done = await kubectl('patch', 'pod', pod.metadata.name, '-n', namespace, '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Succeeded"}}');
  assert.equal(done.code, 0, done.stderr);
}

test('an upgrade keeps the generated MongoDB password and the NATS keys', async () => {
  const before = { nats: await secretData(ns, `${release}-inet-swarm-nats-keys`), mongodb: await secretData(ns, `${release}-inet-swarm-mongodb-root`) };
  const upgrading = helmIn(ns, ['upgrade', release, chart, ...common, '--set', 'operator.logLevel=debug']);
  await playKeysHook(ns, release);
  await upgrading;
  const after = { nats: await secretData(ns, `${release}-inet-swarm-nats-keys`), mongodb: await secretData(ns, `${release}-inet-swarm-mongodb-root`) };
  assert.deepEqual(Object.keys(before.nats).sort(), ['account', 'server.conf', 'signing-key']);
  assert.deepEqual(after.nats, before.nats);
  assert.equal(after.mongodb['mongodb-root-password'], before.mongodb['mongodb-root-password']);
  assert.equal(after.mongodb.uri, before.mongodb.uri);
  const env = await kubectl('get', 'deployment', `${release}-inet-swarm-operator`, '-n', ns, '-o', 'jsonpath={.spec.template.spec.containers[0].env[?(@.name=="INETSWARM_LOG_LEVEL")].value}');
  assert.equal(env.stdout, 'debug', 'the upgrade was applied');
});

// What the operator does (see operator/controllers/, operator/runtime/leader.ts).
const operatorNeeds: string[][] = [
  ['list', 'inetbuilds.inetswarm.dev', '--all-namespaces'],
  ['watch', 'simulationcampaigns.inetswarm.dev', '--all-namespaces'],
  ['patch', 'inetbuilds.inetswarm.dev', '--subresource=status', '-n', other],
  ['patch', 'simulationcampaigns.inetswarm.dev', '--subresource=status', '-n', other],
  ['update', 'simulationcampaigns.inetswarm.dev', '--subresource=finalizers', '-n', other],
  ['patch', 'simulationcampaigns.inetswarm.dev', '-n', other],
  // spec.results.ttlAfterFinished.
  ['delete', 'simulationcampaigns.inetswarm.dev', '-n', other],
  ['watch', 'jobs.batch', '--all-namespaces'],
  ['create', 'jobs.batch', '-n', other],
  ['patch', 'jobs.batch', '-n', other],
  ['delete', 'jobs.batch', '-n', other],
  ['watch', 'pods', '--all-namespaces'],
  ['create', 'daemonsets.apps', '-n', other],
  ['patch', 'daemonsets.apps', '-n', other],
  ['patch', 'services', '-n', other],
  ['create', 'secrets', '-n', other],
  ['patch', 'secrets/inet-swarm-builder', '-n', other],
  // The password of a namespace's store login is kept in its Secrets and read back (operator/runtime/tenant-store.ts).
  ['get', 'secrets/inet-swarm-builder', '-n', other],
  ['get', 'secrets/inet-swarm-runner', '-n', other],
  ['create', 'serviceaccounts', '-n', other],
  ['patch', 'serviceaccounts/inet-swarm-runner', '-n', other],
  ['patch', 'serviceaccounts/inet-swarm-builder', '-n', other],
  ['create', 'events', '-n', other],
  // The namespace's NetworkPolicy set and its tenant label (operator/controllers/shared/tenancy.ts).
  ['create', 'networkpolicies.networking.k8s.io', '-n', other],
  ...Object.values(POLICY_NAMES).map((name) => ['patch', `networkpolicies.networking.k8s.io/${name}`, '-n', other]),
  ['patch', `namespaces/${other}`],
];
const operatorSelf = (namespace: string): string[][] => [
  ['create', 'leases.coordination.k8s.io', '-n', namespace],
  ['get', 'leases.coordination.k8s.io/inet-swarm-operator', '-n', namespace],
  ['update', 'leases.coordination.k8s.io/inet-swarm-operator', '-n', namespace],
  ['create', 'configmaps', '-n', namespace],
  ['update', 'configmaps/inet-swarm-capacity', '-n', namespace],
];
// What it must not do: read users' Secrets, run or exec into pods, create or delete users' resources, escalate.
const operatorMustNot = (namespace: string): string[][] => [
  ['list', 'secrets', '-n', other],
  ['get', 'secrets/someone-elses-credentials', '-n', other],
  // The chart's root MongoDB Secret: the operator has the URI from its environment, and no Secret right reaches it.
  ['get', `secrets/${release}-inet-swarm-mongodb-root`, '-n', namespace],
  ['patch', `secrets/${release}-inet-swarm-mongodb-root`, '-n', namespace],
  ['watch', 'secrets', '--all-namespaces'],
  ['create', 'pods', '-n', other],
  ['delete', 'pods', '-n', other],
  ['create', 'pods', '--subresource=exec', '-n', other],
  ['get', 'pods', '--subresource=log', '-n', other],
  ['create', 'simulationcampaigns.inetswarm.dev', '-n', other],
  ['delete', 'inetbuilds.inetswarm.dev', '-n', other],
  ['delete', 'daemonsets.apps', '-n', other],
  ['delete', 'services', '-n', other],
  ['patch', 'deployments.apps', '-n', namespace],
  ['update', 'leases.coordination.k8s.io/another-controllers-lease', '-n', namespace],
  ['get', 'leases.coordination.k8s.io/inet-swarm-operator', '-n', other],
  ['update', 'configmaps/kube-root-ca.crt', '-n', namespace],
  ['get', 'configmaps', '-n', other],
  ['list', 'nodes'],
  ['create', 'clusterroles.rbac.authorization.k8s.io'],
  ['create', 'rolebindings.rbac.authorization.k8s.io', '-n', namespace],
  ['impersonate', 'serviceaccounts', '-n', namespace],
  ['patch', 'serviceaccounts/default', '-n', other],
  ['create', 'serviceaccounts', '--subresource=token', '-n', other],
  ['get', 'secrets/default-token', '-n', other],
  ['update', 'secrets/inet-swarm-runner', '-n', other],
  ['patch', 'networkpolicies.networking.k8s.io/someone-elses-policy', '-n', other],
  ['delete', 'networkpolicies.networking.k8s.io', '-n', other],
  ['get', 'networkpolicies.networking.k8s.io', '-n', other],
  ['get', `namespaces/${other}`],
  ['list', 'namespaces'],
  ['update', `namespaces/${other}`],
  ['create', 'namespaces'],
  ['patch', `namespaces/${other}`, '--subresource=status'],
  ['patch', `namespaces/${other}`, '--subresource=finalize'],
  ['create', 'validatingadmissionpolicies.admissionregistration.k8s.io'],
  ['delete', 'validatingadmissionpolicybindings.admissionregistration.k8s.io'],
  ['update', 'customresourcedefinitions.apiextensions.k8s.io'],
  ['delete', 'namespaces'],
];

test('the cluster-wide operator ServiceAccount may do everything the operator needs', async () => {
  const denied: string[] = [];
  for (const args of [...operatorNeeds, ...operatorSelf(ns)]) if (!(await canI(`${release}-inet-swarm`, ns, args))) denied.push(args.join(' '));
  assert.deepEqual(denied, []);
});

test('the cluster-wide operator ServiceAccount may do nothing more', async () => {
  const allowed: string[] = [];
  for (const args of operatorMustNot(ns)) if (await canI(`${release}-inet-swarm`, ns, args)) allowed.push(args.join(' '));
  assert.deepEqual(allowed, []);
});

test('the namespaced operator ServiceAccount may do what the operator needs in its namespace and nothing elsewhere', async () => {
  const sa = `${releaseScoped}-inet-swarm`;
  const inOwn = operatorNeeds
    .filter((args) => !args.includes('--all-namespaces'))
    .map((args) => args.map((a) => a.replaceAll(other, nsScoped)));
  const denied: string[] = [];
  for (const args of [...inOwn, ...operatorSelf(nsScoped), ['watch', 'pods', '-n', nsScoped], ['list', 'inetbuilds.inetswarm.dev', '-n', nsScoped]]) {
    if (!(await canI(sa, nsScoped, args))) denied.push(args.join(' '));
  }
  assert.deepEqual(denied, []);
  const allowed: string[] = [];
  const elsewhere = [...operatorNeeds, ['list', 'inetbuilds.inetswarm.dev', '-n', ns], ['watch', 'pods', '-n', ns]];
  for (const args of elsewhere) if (await canI(sa, nsScoped, args)) allowed.push(args.join(' '));
  assert.deepEqual(allowed, []);
});

test('runner and builder ServiceAccounts have no API access at all', async () => {
  const allowed: string[] = [];
  for (const sa of ['inet-swarm-runner', 'inet-swarm-builder']) {
    for (const args of [['get', 'pods', '-n', ns], ['get', 'secrets', '-n', ns], ['list', 'simulationcampaigns.inetswarm.dev', '-n', ns], ['create', 'events', '-n', ns]]) {
      if (await canI(sa, ns, args)) allowed.push(`${sa}: ${args.join(' ')}`);
    }
  }
  assert.deepEqual(allowed, []);
});

function kubeConfigFrom(file: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(file);
  return config;
}

/** A kubeconfig that authenticates as the ServiceAccount with a short-lived token. */
async function serviceAccountKubeconfig(namespace: string, serviceAccount: string): Promise<string> {
  const token = await kubectl('create', 'token', serviceAccount, '-n', namespace, '--duration=1h');
  assert.equal(token.code, 0, token.stderr);
  const view = await kubectl('config', 'view', '--raw', '--minify', '-o', 'json');
  assert.equal(view.code, 0, view.stderr);
  const admin = JSON.parse(view.stdout) as { clusters: { cluster: Record<string, unknown> }[] };
  const file = join(await mkdtemp(join(tmpdir(), 'chart-sa-')), 'kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'stack', cluster: admin.clusters[0]?.cluster }],
    users: [{ name: serviceAccount, user: { token: token.stdout.trim() } }],
    contexts: [{ name: 'sa', context: { cluster: 'stack', user: serviceAccount } }],
    'current-context': 'sa',
  };
  await writeFile(file, JSON.stringify(config));
  return file;
}

const TOKEN_TYPE = 'kubernetes.io/service-account-token';

/** kubectl create of `manifest` as the cluster-wide operator's identity (impersonated by the stack's admin). */
async function createAsOperator(manifest: Record<string, unknown>, dryRun: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(await mkdtemp(join(tmpdir(), 'chart-as-')), 'object.json');
  await writeFile(file, JSON.stringify(manifest));
  return kubectl('create', '-f', file, `--as=system:serviceaccount:${ns}:${release}-inet-swarm`, ...(dryRun ? ['--dry-run=server'] : []));
}

function runnerSecretOf(type: string, labels: Record<string, string>): Record<string, unknown> {
  const annotations = type === TOKEN_TYPE ? { 'kubernetes.io/service-account.name': 'default' } : {};
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'inet-swarm-runner', namespace: other, labels, annotations }, type };
}

test('the admission policy refuses the operator\'s identity a token Secret and a Secret not labelled as its own', async () => {
  const ours = { 'app.kubernetes.io/managed-by': 'inet-swarm-operator' };
  // RBAC lets it create Secrets (can-i above says yes); the policy takes effect once the API server has loaded it.
  const token = await eventually('the token Secret is refused', async () => {
    const result = await createAsOperator(runnerSecretOf(TOKEN_TYPE, ours), false);
    if (result.code === 0) await kubectl('delete', 'secret', 'inet-swarm-runner', '-n', other);
    return result.code !== 0 && result.stderr.includes('ValidatingAdmissionPolicy') ? result : undefined;
  });
  assert.match(token.stderr, /may write only Secrets of type Opaque, not kubernetes\.io\/service-account-token/);
  const unlabelled = await createAsOperator(runnerSecretOf('Opaque', {}), false);
  assert.notEqual(unlabelled.code, 0);
  assert.match(unlabelled.stderr, /may write only Secrets labelled app\.kubernetes\.io\/managed-by=inet-swarm-operator/);
  const own = await createAsOperator(runnerSecretOf('Opaque', ours), true);
  assert.equal(own.code, 0, own.stderr);
  // Anyone else is not bound by it: the stack's admin may still create a token Secret (dry run).
  const file = join(await mkdtemp(join(tmpdir(), 'chart-admin-')), 'token.json');
  await writeFile(file, JSON.stringify(runnerSecretOf(TOKEN_TYPE, {})));
  const admin = await kubectl('create', '-f', file, '--dry-run=server');
  assert.equal(admin.code, 0, admin.stderr);
});

test('the admission policy lets the operator\'s identity change a Namespace\'s tenant label and nothing else', async () => {
  const core = kubeConfigFrom(await serviceAccountKubeconfig(ns, `${release}-inet-swarm`)).makeApiClient(CoreV1Api);
  const patch = (metadata: Record<string, unknown>) =>
    core.patchNamespace({ name: other, body: { metadata }, dryRun: 'All' }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)).then(
      () => 'allowed',
      (error: unknown) => apiMessage(error),
    );
  assert.equal(await patch({ labels: { 'inetswarm.dev/tenant': 'true' } }), 'allowed');
  const refused = {
    'another label': { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
    'another value': { labels: { 'inetswarm.dev/tenant': 'false' } },
    'an annotation': { annotations: { 'scheduler.alpha.kubernetes.io/node-selector': 'x=y' } },
    'a finalizer': { finalizers: ['example.org/hold'] },
  };
  for (const [what, metadata] of Object.entries(refused)) assert.match(await patch(metadata), /^403 .*ValidatingAdmissionPolicy/, what);
});

async function jsonOf(...args: string[]): Promise<Record<string, any> | undefined> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const result = await kubectl('get', ...args, '-o', 'json');
  return result.code === 0 ? (JSON.parse(result.stdout) as Record<string, unknown>) : undefined;
}

test('the operator, run with the chart ServiceAccount token, reconciles a build and a campaign with no forbidden request', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const log = pino({ level: 'debug' }, sink);
  const env: NodeJS.ProcessEnv = {
    KUBECONFIG: await serviceAccountKubeconfig(ns, `${release}-inet-swarm`),
    INETSWARM_POD_NAME: 'chart-install-test',
    INETSWARM_POD_NAMESPACE: ns,
    INETSWARM_METRICS_PORT: '0',
    INETSWARM_METRICS_HOST: '127.0.0.1',
    INETSWARM_MONGO_URI: stack.mongo.uri,
    INETSWARM_MONGO_DATABASE: `chart_${suffix}`,
    INETSWARM_NATS_URL: stack.nats.url,
    INETSWARM_NATS_ACCOUNT: stack.nats.signer.account,
    INETSWARM_NATS_SIGNING_KEY: stack.nats.signer.signingSeed,
    INETSWARM_QUEUE_PREFIX: `CHART${suffix.toUpperCase()}`,
    INETSWARM_NETWORK_POLICIES: 'true',
    INETSWARM_NETWORK_CLUSTER_CIDRS: '10.96.0.0/16',
  };
  const operator = await startOperator(loadConfig(env, []), log);
  try {
    await operator.leading;
    const build = 'inet-chart-check';
    const manifest = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'inetswarm.dev/v1alpha1',
          kind: 'InetBuild',
          metadata: { name: build, namespace: other },
          spec: { source: { repository: 'https://github.com/inet-framework/inet.git', revision: '7d9e05e6d3b6d7fd0ac8b3f9f0c4dcbf6fb8e2a1' }, omnetpp: { version: '6.1' } },
        },
        {
          apiVersion: 'inetswarm.dev/v1alpha1',
          kind: 'SimulationCampaign',
          metadata: { name: 'aloha-chart-check', namespace: other },
          spec: { buildRef: { name: build }, workingDir: 'examples/aloha', config: 'PureAloha1', runFilter: '0..9' },
        },
      ],
    });
    const manifestFile = join(await mkdtemp(join(tmpdir(), 'chart-crs-')), 'crs.json');
    await writeFile(manifestFile, manifest);
    const applied = await kubectl('apply', '-f', manifestFile);
    assert.equal(applied.code, 0, applied.stderr);

    const lease = await eventually('the Lease', () => jsonOf('lease', 'inet-swarm-operator', '-n', ns));
    assert.match(String(lease.spec.holderIdentity), /^chart-install-test_/);
    await eventually('the builder Job', () => jsonOf('job', `${build}-build`, '-n', other));
    // Applied (and validated by the API server) before the Job, so there by the time it is.
    const policies = (await jsonOf('networkpolicies', '-n', other, '--show-managed-fields'))?.items as { metadata: { name: string; managedFields: { manager: string }[] } }[];
    assert.deepEqual(policies.map((p) => p.metadata.name).sort(), Object.values(POLICY_NAMES).sort());
    for (const policy of policies) assert.ok(policy.metadata.managedFields.some((f) => f.manager === 'inet-swarm-operator'), policy.metadata.name);
    const served = await jsonOf('namespace', other);
    assert.equal(served?.metadata?.labels?.['inetswarm.dev/tenant'], 'true');
    await eventually('the distcc DaemonSet', () => jsonOf('daemonset', 'inet-swarm-distcc', '-n', other));
    await eventually('the distcc Service', () => jsonOf('service', 'inet-swarm-distcc', '-n', other));
    await eventually('the builders\' MongoDB Secret', () => jsonOf('secret', 'inet-swarm-builder', '-n', other));
    await eventually('the build status', async () => (await jsonOf('inetbuild', build, '-n', other))?.status?.phase);
    const campaign = await eventually('the campaign finalizer and status', async () => {
      const c = await jsonOf('simulationcampaign', 'aloha-chart-check', '-n', other);
      return c?.metadata?.finalizers?.length && c.status?.phase ? c : undefined;
    });
    assert.deepEqual(campaign.metadata.finalizers, ['inetswarm.dev/queue-cleanup']);
    const deleted = await kubectl('delete', 'simulationcampaign', 'aloha-chart-check', '-n', other, '--timeout=60s');
    assert.equal(deleted.code, 0, `the finalizer was not removed: ${deleted.stderr}`);
  } finally {
    await operator.stop();
  }
  const forbidden = lines.filter((line) => /forbidden|\b403\b/i.test(line));
  assert.deepEqual(forbidden, [], 'the operator hit requests its RBAC does not allow');
});
