// The chart's results service rendered with helm: its Deployment (the
// operator image running service/main.js, locked down like the operator), the
// Service and APIService with a serving certificate the caBundle verifies
// (openssl), a certificate kept across upgrades (helm's lookup, rendered
// against the stack's API server), RBAC of exactly the service's API calls,
// its NetworkPolicy, and nothing of it with results.enabled=false. The service's
// own config loader reads the rendered environment. Nothing is persisted
// except this file's namespace and the Secret a test puts there.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useStack } from '../stack/env.ts';
import { helmBinary, runHelm } from '../stack/helm.ts';
import { RESULTS_GROUP, RESULTS_VERSION } from '../../api/results.ts';
import { readServiceConfig } from '../../service/config.ts';
import { CHART, chartRenderer, find, kinds, sets, type Doc } from '../support/chart.ts';

const run = promisify(execFile);
const stack = await useStack();
const helm = await helmBinary();
const suffix = randomBytes(3).toString('hex');
const namespace = `chart-results-${suffix}`;
const release = `s${suffix}`;
const fullname = `${release}-inet-swarm`;
const name = `${fullname}-results`;
const APISERVICE = `${RESULTS_VERSION}.${RESULTS_GROUP}`;
const { kubectl, template, render } = chartRenderer(stack, helm, release, namespace);
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chart-results-'));
  const created = await kubectl(['create', 'namespace', namespace]);
  assert.equal(created.code, 0, created.stderr);
});

after(async () => {
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
  await rm(dir, { recursive: true, force: true });
});

const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');
const isResults = (d: Doc): boolean => d.metadata.labels?.['app.kubernetes.io/component'] === 'results' || d.kind === 'APIService';

function resultsContainer(docs: Doc[]): Doc {
  return find(docs, 'Deployment', name, namespace).spec.template.spec.containers[0];
}

test('the defaults run two replicas of service/main.js from the operator image, locked down as the operator is', async () => {
  const docs = await render({});
  const deployment = find(docs, 'Deployment', name, namespace);
  assert.equal(deployment.spec.replicas, 2);
  const pod = deployment.spec.template.spec;
  const operator = find(docs, 'Deployment', `${fullname}-operator`, namespace).spec.template.spec;
  assert.equal(pod.serviceAccountName, name);
  assert.deepEqual(pod.securityContext, { ...operator.securityContext, fsGroup: 65532 });
  const container = resultsContainer(docs);
  assert.equal(container.image, operator.containers[0].image);
  assert.deepEqual([container.command, container.args], [undefined, ['node', 'service/main.js']]);
  assert.deepEqual(container.securityContext, operator.containers[0].securityContext);
  assert.deepEqual(container.securityContext.capabilities, { drop: ['ALL'] });
  assert.deepEqual(container.ports, [{ name: 'https', containerPort: 8443, protocol: 'TCP' }]);
  for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
    assert.deepEqual([container[probe].httpGet.scheme, container[probe].httpGet.port], ['HTTPS', 'https'], probe);
  }
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
  const service = find(docs, 'Service', name, namespace);
  assert.deepEqual(service.spec.ports, [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }]);
  assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
  assert.equal(find(docs, 'PodDisruptionBudget', name, namespace).spec.maxUnavailable, 1);
});

/** Every Secret a pod spec names: env and envFrom references, volumes. */
function secretsNamed(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(secretsNamed);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]: [string, { name?: string; secretName?: string }]) => {
    if (key === 'secretKeyRef' || key === 'secretRef') return [value.name ?? ''];
    if (key === 'secret') return [value.secretName ?? ''];
    return secretsNamed(value);
  });
}

/** The environment the kubelet would give the container: Secret values filled in from `secrets`. */
function resolvedEnv(container: Doc, secrets: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const entry of container.env as { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[]) {
    env[entry.name] = entry.value ?? secrets[`${entry.valueFrom?.secretKeyRef.name}/${entry.valueFrom?.secretKeyRef.key}`];
  }
  return env;
}

test("the service reads the operator's MongoDB Secret and database, and its own config loader takes the rendered environment", async () => {
  const variants: Record<string, string>[] = [{}, { 'mongodb.enabled': 'false', 'mongodb.external.uriSecret.name': 'mongodb-uri', 'mongodb.external.uriSecret.key': 'u' }];
  for (const values of variants) {
    const docs = await render({ ...values, 'operator.database': 'sims', 'results.logLevel': 'warn' });
    const operatorEnv = find(docs, 'Deployment', `${fullname}-operator`, namespace).spec.template.spec.containers[0].env as { name: string }[];
    const container = resultsContainer(docs);
    const uri = (env: { name: string }[]): unknown => env.find((e) => e.name === 'INETSWARM_MONGO_URI');
    assert.deepEqual(uri(container.env), uri(operatorEnv));
    const ref = (uri(container.env) as { valueFrom: { secretKeyRef: { name: string; key: string } } }).valueFrom.secretKeyRef;
    const config = readServiceConfig(resolvedEnv(container, { [`${ref.name}/${ref.key}`]: 'mongodb://u:p@mongo:27017/?authSource=admin' }));
    assert.deepEqual(
      [config.mongoUri, config.database, config.port, config.tlsCertFile, config.tlsKeyFile, config.logLevel],
      ['mongodb://u:p@mongo:27017/?authSource=admin', 'sims', 8443, '/etc/inet-swarm/tls/tls.crt', '/etc/inet-swarm/tls/tls.key', 'warn'],
    );
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === 'tls');
    assert.deepEqual([mount.mountPath, mount.readOnly], ['/etc/inet-swarm/tls', true]);
    // No Secret beyond the serving certificate's and the URI's reference.
    assert.deepEqual(secretsNamed(find(docs, 'Deployment', name, namespace).spec.template.spec).sort(), [ref.name, `${name}-tls`].sort());
  }
});

test("the APIService registers the group with the CA that signed the Service's serving certificate", async () => {
  const docs = await render({});
  const api = find(docs, 'APIService', APISERVICE);
  assert.deepEqual(
    [api.spec.group, api.spec.version, api.spec.service, api.spec.groupPriorityMinimum, api.spec.versionPriority],
    [RESULTS_GROUP, RESULTS_VERSION, { namespace, name, port: 443 }, 100, 15],
  );
  const secret = find(docs, 'Secret', `${name}-tls`, namespace);
  assert.equal(secret.type, 'kubernetes.io/tls');
  assert.equal(decode(secret.data['ca.crt']), decode(api.spec.caBundle));
  await writeFile(join(dir, 'ca.crt'), decode(api.spec.caBundle));
  await writeFile(join(dir, 'tls.crt'), decode(secret.data['tls.crt']));
  await writeFile(join(dir, 'tls.key'), decode(secret.data['tls.key']));
  const verified = await run('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), '-purpose', 'sslserver', join(dir, 'tls.crt')]);
  assert.match(verified.stdout, /tls\.crt: OK/);
  // The aggregator dials the Service by <name>.<namespace>.svc and checks that name.
  const names = await run('openssl', ['x509', '-in', join(dir, 'tls.crt'), '-noout', '-ext', 'subjectAltName']);
  assert.match(names.stdout, new RegExp(`DNS:${name}\\.${namespace}\\.svc(,|$)`, 'm'));
  const pubCert = await run('openssl', ['x509', '-in', join(dir, 'tls.crt'), '-noout', '-pubkey']);
  const pubKey = await run('openssl', ['pkey', '-in', join(dir, 'tls.key'), '-pubout']);
  assert.equal(pubCert.stdout, pubKey.stdout, 'the key is the certificate\'s');
  // Another CA does not verify it: the check can fail.
  const other = find(await render({}), 'APIService', APISERVICE);
  await writeFile(join(dir, 'other.crt'), decode(other.spec.caBundle));
  await assert.rejects(run('openssl', ['verify', '-CAfile', join(dir, 'other.crt'), join(dir, 'tls.crt')]));
});

test('an upgrade keeps the serving certificate: the existing Secret is looked up and reused, caBundle included', async () => {
  const first = await render({});
  const secret = find(first, 'Secret', `${name}-tls`, namespace);
  const applied = await kubectl(['apply', '-f', '-'], JSON.stringify(secret));
  assert.equal(applied.code, 0, applied.stderr);
  const again = await runHelm(helm, ['template', release, CHART, '--namespace', namespace, '--dry-run=server', '--show-only', 'templates/results.yaml'], { kubeconfig: stack.kubeconfig });
  assert.equal(again.code, 0, again.stderr);
  for (const key of ['ca.crt', 'tls.crt', 'tls.key']) assert.ok(again.stdout.includes(secret.data[key]), `${key} is the stored one`);
  assert.ok(again.stdout.includes(`caBundle: "${secret.data['ca.crt']}"`));
});

test('the service may read campaigns and builds, ask SubjectAccessReviews and read the front-proxy CA, and nothing else', async () => {
  const docs = await render({});
  assert.deepEqual(find(docs, 'ClusterRole', name).rules, [
    { apiGroups: ['inetswarm.dev'], resources: ['simulationcampaigns', 'inetbuilds'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  ]);
  const account = [{ kind: 'ServiceAccount', name, namespace }];
  const binding = find(docs, 'ClusterRoleBinding', name);
  assert.deepEqual([binding.roleRef, binding.subjects], [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, account]);
  const reader = find(docs, 'RoleBinding', `${name}-auth-reader`, 'kube-system');
  assert.deepEqual([reader.roleRef, reader.subjects], [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'extension-apiserver-authentication-reader' }, account]);
  const toAccount = docs.filter((d) => JSON.stringify(d.subjects ?? []).includes(`"name":"${name}"`)).map((d) => `${d.kind}/${d.metadata.name}`);
  assert.deepEqual(toAccount.sort(), [`ClusterRoleBinding/${name}`, `RoleBinding/${name}-auth-reader`]);

  assert.deepEqual(find(docs, 'ClusterRole', `${name}-reader`).rules, [{ apiGroups: [RESULTS_GROUP], resources: ['*'], verbs: ['get', 'list'] }]);
  assert.deepEqual(find(docs, 'ClusterRoleBinding', `${name}-reader`).subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }]);
  const closed = await render({ 'results.authenticatedAccess': 'false' });
  assert.deepEqual(docs.filter((d) => d.metadata.name === `${name}-reader`).length, 2);
  assert.deepEqual(closed.filter((d) => d.metadata.name === `${name}-reader`), []);
});

test('its NetworkPolicy admits 8443 (from apiServerCIDRs when set) and lets it reach DNS, the API server and MongoDB, which admits it', async () => {
  const open = find(await render({}), 'NetworkPolicy', name, namespace);
  assert.deepEqual(open.spec.policyTypes, ['Ingress', 'Egress']);
  assert.deepEqual(open.spec.ingress, [{ ports: [{ port: 8443, protocol: 'TCP' }] }]);
  const docs = await render({ 'networkPolicy.apiServerCIDRs': '{10.0.0.0/16,10.1.0.0/16}' });
  const policy = find(docs, 'NetworkPolicy', name, namespace);
  const blocks = [{ ipBlock: { cidr: '10.0.0.0/16' } }, { ipBlock: { cidr: '10.1.0.0/16' } }];
  assert.deepEqual(policy.spec.ingress, [{ ports: [{ port: 8443, protocol: 'TCP' }], from: blocks }]);
  const [dns, apiServer, mongo] = policy.spec.egress;
  assert.deepEqual(dns.ports.map((p: { port: number }) => p.port), [53, 53]);
  assert.deepEqual([apiServer.to, apiServer.ports.map((p: { port: number }) => p.port)], [blocks, [443, 6443]]);
  assert.equal(mongo.to[0].podSelector.matchLabels['app.kubernetes.io/component'], 'mongodb');
  const peers = find(docs, 'NetworkPolicy', `${fullname}-mongodb`, namespace).spec.ingress[0].from;
  assert.ok(peers.some((p: { podSelector?: { matchLabels?: Record<string, string> } }) => p.podSelector?.matchLabels?.['app.kubernetes.io/component'] === 'results'));
  const natsPeers = find(docs, 'NetworkPolicy', `${fullname}-nats`, namespace).spec.ingress[0].from;
  assert.equal(JSON.stringify(natsPeers).includes('"results"'), false, 'NATS is not the service\'s business');
});

test('results.enabled=false renders none of the service, its RBAC, certificate, APIService or policy peers', async () => {
  const docs = await render({ 'results.enabled': 'false' });
  const theirs = (list: Doc[]): string[] => list.filter((d) => isResults(d) || d.metadata.name.includes('-results')).map((d) => `${d.kind}/${d.metadata.name}`);
  assert.deepEqual(theirs(docs), []);
  assert.equal(JSON.stringify(kinds(docs, 'NetworkPolicy')).includes('"results"'), false, 'no policy names its pods');
  // The same filter finds them when enabled: the check can fail.
  assert.equal(theirs(await render({})).length, 12);
});

test('the results manifests, with every option, pass server-side dry-run apply and helm lint', async () => {
  const values = { 'networkPolicy.apiServerCIDRs': '{10.0.0.0/16}', 'results.authenticatedAccess': 'false', 'results.replicas': '3', 'results.tls.validityDays': '30' };
  const lint = await runHelm(helm, ['lint', CHART, '--strict', '--namespace', namespace, ...sets(values)]);
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
  const manifest = (await template(values)).stdout;
  const result = await kubectl(['apply', '--server-side', '--dry-run=server', '--force-conflicts', '--field-manager=chart-results-test', '-f', '-'], manifest);
  assert.equal(result.code, 0, `${result.stderr}\n${result.stdout}`);
  assert.match(result.stdout, new RegExp(`apiservice\\.apiregistration\\.k8s\\.io/${APISERVICE.replace(/\./g, '\\.')} serverside-applied`));
  const rejected = await template({ 'results.replicaz': '1' });
  assert.notEqual(rejected.code, 0);
  assert.match(rejected.stderr, /replicaz/);
});
