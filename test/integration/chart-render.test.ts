// The chart rendered with helm for several value sets: what each renders,
// that values.schema.json rejects unknown keys and wrong types, and that every
// rendered manifest is accepted by the local API server (server-side dry-run
// apply). Nothing is persisted except this file's namespaces.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import { useStack } from '../stack/env.ts';
import { helmBinary, runHelm } from '../stack/helm.ts';
import { loadConfig } from '../../operator/config.ts';
import { capacityConfigFromEnv } from '../../lib/capacity/config.ts';
import { namespacePolicies, servedNamespace } from '../../operator/controllers/shared/network.ts';
import { CHART as chart, chartRenderer, find, kinds, sets, type Doc } from '../support/chart.ts';
import { REPO_ROOT as root } from '../support/campaign.ts';

const stack = await useStack();
const helm = await helmBinary();
const suffix = randomBytes(3).toString('hex');
const namespace = `chart-render-${suffix}`;
const watched = `chart-watched-${suffix}`;
const release = `r${suffix}`;
const fullname = `${release}-inet-swarm`;
const { kubectl, template, render } = chartRenderer(stack, helm, release, namespace);

function operatorEnv(docs: Doc[]): Map<string, { value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }> {
  const container = find(docs, 'Deployment', `${fullname}-operator`).spec.template.spec.containers[0];
  return new Map(container.env.map((e: { name: string }) => [e.name, e]));
}

const valueSets: Record<string, Record<string, string>> = {
  defaults: {},
  namespaced: { 'rbac.scope': 'namespaced', 'rbac.namespaces': `{${watched}}` },
  external: {
    'nats.enabled': 'false',
    'nats.external.url': 'nats://nats.example.org:4222',
    'nats.external.existingSecret': 'nats-credentials',
    'mongodb.enabled': 'false',
    'mongodb.external.uriSecret.name': 'mongodb-uri',
    'networkPolicy.externalCIDRs': '{10.20.0.0/16}',
  },
  irsa: {
    'serviceAccount.awsRoleArn': 'arn:aws:iam::123456789012:role/inet-swarm-operator',
    'capacity.enabled': 'true',
    'capacity.clusterName': 'sims',
    'capacity.nodegroupName': 'runners',
    'capacity.region': 'eu-central-1',
  },
  noCrds: { 'crds.install': 'false' },
  crdsNotKept: { 'crds.keep': 'false' },
};

before(async () => {
  for (const ns of [namespace, watched]) {
    const created = await kubectl(['create', 'namespace', ns]);
    assert.equal(created.code, 0, created.stderr);
  }
});

after(async () => {
  await kubectl(['delete', 'namespace', namespace, watched, '--wait=false']);
});

test('helm lint passes on the chart with its default values and with every value set', async () => {
  for (const [name, values] of Object.entries(valueSets)) {
    const result = await runHelm(helm, ['lint', chart, '--strict', '--namespace', namespace, ...sets(values)]);
    assert.equal(result.code, 0, `${name}: ${result.stdout}${result.stderr}`);
  }
});

test('the defaults render a two-replica, leader-electing, locked-down operator with probes and metrics', async () => {
  const docs = await render(valueSets.defaults!);
  const deployment = find(docs, 'Deployment', `${fullname}-operator`, namespace);
  assert.equal(deployment.spec.replicas, 2);
  const pod = deployment.spec.template.spec;
  assert.equal(pod.serviceAccountName, fullname);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  const [container] = pod.containers;
  assert.deepEqual(container.securityContext, {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.deepEqual(container.ports, [{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }]);
  assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
  const env = operatorEnv(docs);
  assert.equal(env.get('INETSWARM_LEADER_ELECT')?.value, 'true');
  assert.equal(env.get('INETSWARM_WATCH_NAMESPACE'), undefined, 'cluster scope watches every namespace');
  assert.deepEqual(env.get('INETSWARM_MONGO_URI')?.valueFrom?.secretKeyRef, { name: `${fullname}-mongodb-root`, key: 'uri' });
  assert.equal(env.get('INETSWARM_NATS_URL')?.value, `nats://${fullname}-nats.${namespace}.svc:4222`);
  assert.deepEqual(env.get('INETSWARM_NATS_ACCOUNT')?.valueFrom?.secretKeyRef, { name: `${fullname}-nats-keys`, key: 'account' });
  assert.deepEqual(env.get('INETSWARM_NATS_SIGNING_KEY')?.valueFrom?.secretKeyRef, { name: `${fullname}-nats-keys`, key: 'signing-key' });
  assert.deepEqual([...env.keys()].filter((name) => /NATS_(USER|PASS)/.test(name)), [], 'no NATS user or password');
  assert.equal(find(docs, 'ServiceAccount', fullname).metadata.annotations, undefined);
  assert.equal(find(docs, 'PodDisruptionBudget', `${fullname}-operator`).spec.maxUnavailable, 1);
});

test('the defaults grant the operator a ClusterRole and no node access', async () => {
  const docs = await render(valueSets.defaults!);
  const role = find(docs, 'ClusterRole', `${fullname}-operator`);
  const binding = find(docs, 'ClusterRoleBinding', `${fullname}-operator`);
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: fullname, namespace }]);
  assert.ok(role.rules.some((r: { resources: string[] }) => r.resources.includes('simulationcampaigns/finalizers')));
  assert.equal(kinds(docs, 'Role').filter((r) => r.metadata.name === `${fullname}-operator`).length, 0);
  assert.equal(docs.some((d) => JSON.stringify(d.rules ?? []).includes('"nodes"')), false);
  const self = find(docs, 'Role', `${fullname}-operator-self`, namespace);
  assert.ok(self.rules.some((r: { resources: string[]; resourceNames?: string[] }) => r.resources.includes('leases') && r.resourceNames?.includes('inet-swarm-operator')));
});

test('the defaults deploy NATS with JetStream, persistence and JWT auth, and MongoDB with a root Secret', async () => {
  const docs = await render(valueSets.defaults!);
  const nats = find(docs, 'StatefulSet', `${fullname}-nats`, namespace);
  assert.equal(nats.spec.volumeClaimTemplates[0].spec.resources.requests.storage, '10Gi');
  const config = find(docs, 'ConfigMap', `${fullname}-nats`).data['nats.conf'] as string;
  assert.match(config, /jetstream \{/);
  // Operator mode from the keys Secret's server.conf, mounted beside the config; no password anywhere.
  assert.match(config, /include "\.\.\/nats-keys\/server\.conf"/);
  assert.doesNotMatch(config, /password|authorization/);
  const pod = nats.spec.template.spec;
  assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === 'keys').secret, { secretName: `${fullname}-nats-keys`, items: [{ key: 'server.conf', path: 'server.conf' }] });
  assert.deepEqual(pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === 'keys'), { name: 'keys', mountPath: '/etc/nats-keys', readOnly: true });
  assert.equal(pod.containers[0].env.some((e: { name: string }) => e.name === 'NATS_PASSWORD'), false);
  assert.equal(kinds(docs, 'Secret').some((d) => d.metadata.name.startsWith(`${fullname}-nats`)), false, 'the chart renders no NATS Secret: the hook makes it');
  const mongo = find(docs, 'StatefulSet', `${fullname}-mongodb`, namespace);
  assert.ok(mongo.spec.volumeClaimTemplates);
  const mongoSecret = find(docs, 'Secret', `${fullname}-mongodb-root`);
  const password = Buffer.from(mongoSecret.data['mongodb-root-password'], 'base64').toString();
  assert.equal(
    Buffer.from(mongoSecret.data.uri, 'base64').toString(),
    `mongodb://root:${password}@${fullname}-mongodb.${namespace}.svc:27017/?authSource=admin`,
  );
  assert.deepEqual(
    kinds(docs, 'PodDisruptionBudget').map((d) => d.metadata.name).sort(),
    [`${fullname}-mongodb`, `${fullname}-nats`, `${fullname}-operator`, `${fullname}-results`],
  );
});

test('the operator creates the runner and builder ServiceAccounts and may change only those', async () => {
  const docs = await render(valueSets.namespaced!);
  // Created by the operator where it runs the pods (operator/controllers/inetbuild/manifests.ts podServiceAccount), not by the chart.
  // Besides the operator's, only the results service's own and the NATS keys hook's (deleted once the hook succeeded).
  assert.deepEqual(kinds(docs, 'ServiceAccount').map((d) => d.metadata.name).sort(), [fullname, `${fullname}-nats-keys`, `${fullname}-results`]);
  const rules = find(docs, 'Role', `${fullname}-operator`, watched).rules as Array<{ resources: string[]; resourceNames?: string[]; verbs: string[] }>;
  const onAccounts = rules.filter((r) => r.resources.includes('serviceaccounts'));
  assert.deepEqual(onAccounts, [
    { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['create'] },
    { apiGroups: [''], resources: ['serviceaccounts'], resourceNames: ['inet-swarm-runner', 'inet-swarm-builder'], verbs: ['get', 'patch'] },
  ]);
  const env = operatorEnv(docs);
  assert.deepEqual([env.get('INETSWARM_RUNNER_SERVICE_ACCOUNT')?.value, env.get('INETSWARM_BUILDER_SERVICE_ACCOUNT')?.value], ['inet-swarm-runner', 'inet-swarm-builder']);
});

test('NATS admits runners and MongoDB runners and builders, only of namespaces labelled as served, and the operator learns where they are', async () => {
  const docs = await render(valueSets.defaults!);
  // The operator writes the per-namespace policies now: the chart renders none for runners.
  assert.deepEqual(kinds(docs, 'NetworkPolicy').map((d) => d.metadata.name).sort(), [`${fullname}-mongodb`, `${fullname}-nats`, `${fullname}-results`]);
  for (const [name, clients] of [['nats', ['runner']], ['mongodb', ['runner', 'builder']]] as const) {
    const policy = find(docs, 'NetworkPolicy', `${fullname}-${name}`, namespace);
    assert.equal(policy.spec.podSelector.matchLabels['app.kubernetes.io/component'], name);
    assert.equal(policy.spec.ingress.length, 1);
    const [operatorPeer, workloadPeer] = policy.spec.ingress[0].from;
    assert.equal(operatorPeer.podSelector.matchLabels['app.kubernetes.io/component'], 'operator');
    assert.equal(operatorPeer.namespaceSelector, undefined, 'the operator of the release namespace only');
    // A label on the Namespace object, which tenants with namespace-scoped rights cannot set, and not `{}`.
    assert.deepEqual(workloadPeer.namespaceSelector, { matchLabels: { 'inetswarm.dev/tenant': 'true' } });
    assert.deepEqual(workloadPeer.podSelector.matchExpressions, [
      { key: 'app.kubernetes.io/managed-by', operator: 'In', values: ['inet-swarm-operator'] },
      { key: 'app.kubernetes.io/component', operator: 'In', values: clients },
    ]);
  }
  const env = operatorEnv(docs);
  assert.equal(env.get('INETSWARM_NETWORK_POLICIES')?.value, 'true');
  const inRelease = (component: string) => [
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
      podSelector: { matchLabels: { 'app.kubernetes.io/component': component, 'app.kubernetes.io/instance': release, 'app.kubernetes.io/name': 'inet-swarm' } },
    },
  ];
  assert.deepEqual(JSON.parse(env.get('INETSWARM_NETWORK_NATS_PEERS')?.value ?? ''), inRelease('nats'));
  assert.deepEqual(JSON.parse(env.get('INETSWARM_NETWORK_STORE_PEERS')?.value ?? ''), inRelease('mongodb'));
  // The operator's policies select those very pods.
  for (const component of ['nats', 'mongodb']) {
    const labels = find(docs, 'StatefulSet', `${fullname}-${component}`, namespace).spec.template.metadata.labels as Record<string, string>;
    for (const [k, v] of Object.entries(inRelease(component)[0]!.podSelector.matchLabels)) assert.equal(labels[k], v, `${component} pods lack ${k}=${v}`);
  }
  assert.equal(env.get('INETSWARM_NETWORK_GIT_PORTS')?.value, '443,22');
  const off = operatorEnv(await render({ 'networkPolicy.enabled': 'false' }));
  assert.equal(off.get('INETSWARM_NETWORK_POLICIES'), undefined);
});

test('the operator may patch Namespaces (by name when namespaced) and write its NetworkPolicies by name, and admission policies bind its writes', async () => {
  const cluster = await render(valueSets.defaults!);
  assert.deepEqual(find(cluster, 'ClusterRole', `${fullname}-namespaces`).rules, [{ apiGroups: [''], resources: ['namespaces'], verbs: ['patch'] }]);
  const scoped = await render(valueSets.namespaced!);
  assert.deepEqual(find(scoped, 'ClusterRole', `${fullname}-namespaces`).rules, [{ apiGroups: [''], resources: ['namespaces'], resourceNames: [watched], verbs: ['patch'] }]);
  const onPolicies = (find(scoped, 'Role', `${fullname}-operator`, watched).rules as { resources: string[] }[]).filter((r) => r.resources.includes('networkpolicies'));
  assert.deepEqual(onPolicies, [
    { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['create'] },
    { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], resourceNames: ['inet-swarm-default-deny', 'inet-swarm-runner', 'inet-swarm-builder', 'inet-swarm-distccd'], verbs: ['patch'] },
  ]);
  const operator = `system:serviceaccount:${namespace}:${fullname}`;
  for (const name of [`${fullname}-operator-secrets`, `${fullname}-operator-namespaces`]) {
    const policy = find(cluster, 'ValidatingAdmissionPolicy', name);
    assert.deepEqual(policy.spec.matchConditions, [{ name: 'written-by-the-operator', expression: `request.userInfo.username == "${operator}"` }]);
    assert.equal(policy.spec.failurePolicy, 'Fail');
    assert.deepEqual(find(cluster, 'ValidatingAdmissionPolicyBinding', name).spec, { policyName: name, validationActions: ['Deny'] });
  }
  const without = await render({ 'rbac.admissionPolicies': 'false', 'networkPolicy.enabled': 'false' });
  assert.deepEqual([...kinds(without, 'ValidatingAdmissionPolicy'), ...kinds(without, 'ValidatingAdmissionPolicyBinding')], []);
  assert.equal(without.some((d) => d.metadata.name === `${fullname}-namespaces`), false);
});

test('the namespaced scope renders a Role and RoleBinding in the watched namespace and sets INETSWARM_WATCH_NAMESPACE', async () => {
  const docs = await render(valueSets.namespaced!);
  const role = find(docs, 'Role', `${fullname}-operator`, watched);
  assert.ok(role.rules.length > 0);
  assert.deepEqual(find(docs, 'RoleBinding', `${fullname}-operator`, watched).subjects, [{ kind: 'ServiceAccount', name: fullname, namespace }]);
  assert.equal(kinds(docs, 'ClusterRole').filter((r) => r.metadata.name === `${fullname}-operator`).length, 0);
  // The results service's bindings stay cluster-wide (its APIService is); the operator's only one is the watched
  // Namespace's label (Namespaces are cluster-scoped), by name.
  assert.deepEqual(kinds(docs, 'ClusterRoleBinding').map((d) => d.metadata.name).sort(), [`${fullname}-namespaces`, `${fullname}-results`, `${fullname}-results-reader`]);
  assert.equal(operatorEnv(docs).get('INETSWARM_WATCH_NAMESPACE')?.value, watched);
});

// A well-formed NATS account key and signing seed (the operator only parses them here).
const natsAccount = `A${'D'.repeat(55)}`;
const natsSigningKey = `SA${'E'.repeat(56)}`;

/** The operator's environment as the kubelet would give it: field refs and Secret values filled in. */
function resolvedEnv(docs: Doc[], secrets: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { INETSWARM_POD_NAME: 'operator-0', INETSWARM_POD_NAMESPACE: namespace };
  for (const [name, entry] of operatorEnv(docs)) {
    if (entry.value !== undefined) env[name] = entry.value;
    else if (entry.valueFrom?.secretKeyRef) env[name] = secrets[`${entry.valueFrom.secretKeyRef.name}/${entry.valueFrom.secretKeyRef.key}`];
  }
  return env;
}

test("the operator's own configuration loader reads the rendered environment as the chart means it", async () => {
  const docs = await render({ ...valueSets.namespaced!, ...valueSets.irsa!, 'runner.capacity': '64', 'operator.workers': '6' });
  const env = resolvedEnv(docs, {
    [`${fullname}-mongodb-root/uri`]: 'mongodb://root:pw@mongo:27017/?authSource=admin',
    [`${fullname}-nats-keys/account`]: natsAccount,
    [`${fullname}-nats-keys/signing-key`]: natsSigningKey,
  });
  const config = loadConfig(env, []);
  assert.equal(config.watchNamespace, watched);
  assert.equal(config.workers, 6);
  assert.equal(config.metricsPort, 8080);
  assert.deepEqual(
    { enabled: config.leaderElection.enabled, namespace: config.leaderElection.namespace, name: config.leaderElection.name, duration: config.leaderElection.leaseDurationSeconds },
    { enabled: true, namespace, name: 'inet-swarm-operator', duration: 15 },
  );
  assert.equal(config.mongo.uri, 'mongodb://root:pw@mongo:27017/?authSource=admin');
  assert.equal(config.build.builderImageTemplate, 'ghcr.io/inet-swarm/builder:omnetpp-{version}');
  assert.equal(config.build.mongoSecretName, 'inet-swarm-builder');
  assert.deepEqual(config.campaign.nats, { url: `nats://${fullname}-nats.${namespace}.svc:4222`, signer: { account: natsAccount, signingSeed: natsSigningKey } });
  assert.equal(config.campaign.runnerSecretName, 'inet-swarm-runner');
  assert.equal(config.campaign.capacity, 64);
  assert.equal(config.campaign.runnerImageTemplate, 'ghcr.io/inet-swarm/runner:omnetpp-{version}');
  const capacity = capacityConfigFromEnv(env);
  assert.equal(capacity.clusterName, 'sims');
  assert.equal(capacity.nodegroupName, 'runners');
  assert.equal(capacity.aws.region, 'eu-central-1');
  assert.equal(capacity.namespace, namespace);
});

test('the policies the operator writes from the rendered settings pass the API server\'s validation (server-side dry-run)', async () => {
  const secrets = {
    [`${fullname}-mongodb-root/uri`]: 'mongodb://root:pw@mongo:27017/?authSource=admin',
    'mongodb-uri/uri': 'mongodb://u:pw@db.example.org:27018/x',
    [`${fullname}-nats-keys/account`]: natsAccount,
    [`${fullname}-nats-keys/signing-key`]: natsSigningKey,
    'nats-credentials/account': natsAccount,
    'nats-credentials/signing-key': natsSigningKey,
  };
  for (const values of [valueSets.defaults!, { ...valueSets.external!, 'networkPolicy.clusterCIDRs': '{10.96.0.0/12,fd10::/64}', 'networkPolicy.gitPorts': '{443,22,9418}' }]) {
    const config = loadConfig(resolvedEnv(await render(values), secrets), []);
    assert.equal(config.network.enabled, true);
    const manifests = [...namespacePolicies(watched, config.network), servedNamespace(watched)];
    const result = await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=chart-render-test', '-o', 'name', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests }));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim().split('\n').length, 5, result.stdout);
  }
  // The check can fail: an except outside its block is refused.
  const bad = { ...namespacePolicies(watched, loadConfig(resolvedEnv(await render(valueSets.defaults!), secrets), []).network)[1]!, spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['169.254.169.254/32'] } }] }] } };
  const refused = await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=chart-render-test', '-f', '-'], JSON.stringify(bad));
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /except/);
});

test('the namespaced scope refuses more than one watched namespace, since the operator watches one', async () => {
  const result = await template({ 'rbac.scope': 'namespaced', 'rbac.namespaces': '{a,b}' });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /rbac\.namespaces: the operator watches one namespace/);
});

test('external NATS and MongoDB replace the StatefulSets and their Secrets by the given URL and Secrets', async () => {
  const docs = await render(valueSets.external!);
  assert.deepEqual(kinds(docs, 'StatefulSet'), []);
  assert.deepEqual(kinds(docs, 'Secret').map((d) => d.metadata.name), [`${fullname}-results-tls`]);
  const env = operatorEnv(docs);
  assert.equal(env.get('INETSWARM_NATS_URL')?.value, 'nats://nats.example.org:4222');
  assert.deepEqual(env.get('INETSWARM_NATS_ACCOUNT')?.valueFrom?.secretKeyRef, { name: 'nats-credentials', key: 'account' });
  assert.deepEqual(env.get('INETSWARM_NATS_SIGNING_KEY')?.valueFrom?.secretKeyRef, { name: 'nats-credentials', key: 'signing-key' });
  assert.equal(kinds(docs, 'Job').length, 0, 'no NATS keys hook for an external NATS');
  assert.deepEqual(env.get('INETSWARM_MONGO_URI')?.valueFrom?.secretKeyRef, { name: 'mongodb-uri', key: 'uri' });
  assert.deepEqual(kinds(docs, 'PodDisruptionBudget').map((d) => d.metadata.name), [`${fullname}-operator`, `${fullname}-results`]);
  // Runners and builders reach the external servers at networkPolicy.externalCIDRs, and the chart admits nothing itself.
  assert.equal(env.get('INETSWARM_NETWORK_NATS_PEERS')?.value, '[{"ipBlock":{"cidr":"10.20.0.0/16"}}]');
  assert.equal(env.get('INETSWARM_NETWORK_STORE_PEERS')?.value, '[{"ipBlock":{"cidr":"10.20.0.0/16"}}]');
  assert.deepEqual(kinds(docs, 'NetworkPolicy').map((d) => d.metadata.name), [`${fullname}-results`]);
});

test('external NATS without a URL is rejected', async () => {
  const result = await template({ 'nats.enabled': 'false' });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /nats\.external\.url|url/);
});

test('external NATS without a keys Secret is rejected: the operator needs the account\'s signing key', async () => {
  const result = await template({ 'nats.enabled': 'false', 'nats.external.url': 'nats://nats.example.org:4222' });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /nats\.external\.existingSecret is required/);
});

test('a hook Job makes the NATS keys before the install, with a ServiceAccount that may create Secrets and read only its own', async () => {
  const docs = await render(valueSets.defaults!);
  const name = `${fullname}-nats-keys`;
  const job = find(docs, 'Job', name, namespace);
  for (const doc of [job, find(docs, 'ServiceAccount', name), find(docs, 'Role', name), find(docs, 'RoleBinding', name)]) {
    assert.equal(doc.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade', `${doc.kind} is a hook`);
    assert.equal(doc.metadata.annotations?.['helm.sh/hook-delete-policy'], 'before-hook-creation,hook-succeeded');
  }
  // The RBAC exists before the Job starts.
  assert.ok(Number(find(docs, 'Role', name).metadata.annotations?.['helm.sh/hook-weight']) < Number(job.metadata.annotations?.['helm.sh/hook-weight']));
  const pod = job.spec.template.spec;
  assert.equal(pod.serviceAccountName, name);
  const [container] = pod.containers;
  assert.deepEqual([container.command, container.args], [undefined, ['node', 'operator/nats-keys.js']]);
  assert.equal(container.image, find(docs, 'Deployment', `${fullname}-operator`).spec.template.spec.containers[0].image);
  assert.deepEqual(container.env.find((e: { name: string }) => e.name === 'INETSWARM_NATS_KEYS_SECRET').value, name);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.deepEqual(find(docs, 'Role', name).rules, [
    { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    { apiGroups: [''], resources: ['secrets'], resourceNames: [name], verbs: ['get'] },
  ]);
  const own = await render({ 'nats.auth.existingSecret': 'my-nats-keys' });
  assert.equal(kinds(own, 'Job').length, 0, 'no hook when the keys are given');
  assert.equal(find(own, 'StatefulSet', `${fullname}-nats`).spec.template.spec.volumes.find((v: { name: string }) => v.name === 'keys').secret.secretName, 'my-nats-keys');
  assert.deepEqual(operatorEnv(own).get('INETSWARM_NATS_SIGNING_KEY')?.valueFrom?.secretKeyRef, { name: 'my-nats-keys', key: 'signing-key' });
});

test('IRSA annotates the ServiceAccount and the capacity manager gets its EKS settings, read access to nodes and the patch that cordons one', async () => {
  const docs = await render(valueSets.irsa!);
  assert.equal(find(docs, 'ServiceAccount', fullname).metadata.annotations?.['eks.amazonaws.com/role-arn'], 'arn:aws:iam::123456789012:role/inet-swarm-operator');
  const env = operatorEnv(docs);
  assert.equal(env.get('INETSWARM_EKS_CLUSTER')?.value, 'sims');
  assert.equal(env.get('INETSWARM_EKS_NODEGROUP')?.value, 'runners');
  assert.equal(env.get('AWS_REGION')?.value, 'eu-central-1');
  assert.deepEqual(find(docs, 'ClusterRole', `${fullname}-capacity`).rules, [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] }]);
});

test('the templated CRDs equal crds/ and carry the keep policy unless crds.keep is false', async () => {
  const sources = await Promise.all(
    ['inetbuilds.yaml', 'simulationcampaigns.yaml'].map(async (f) => {
      const converted = await kubectl(['create', '--dry-run=client', '-o', 'json', '-f', join(root, 'crds', f)]);
      assert.equal(converted.code, 0, converted.stderr);
      return JSON.parse(converted.stdout) as Doc;
    }),
  );
  const kept = kinds(await render(valueSets.defaults!), 'CustomResourceDefinition');
  assert.deepEqual(kept.map((d) => d.metadata.name).sort(), sources.map((d) => d.metadata.name).sort());
  for (const crd of kept) {
    const source = sources.find((s) => s.metadata.name === crd.metadata.name)!;
    assert.deepEqual(crd.spec, source.spec, `${crd.metadata.name} spec differs from crds/`);
    assert.deepEqual(crd.metadata.labels, source.metadata.labels);
    assert.equal(crd.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
  }
  for (const crd of kinds(await render(valueSets.crdsNotKept!), 'CustomResourceDefinition')) {
    assert.equal(crd.metadata.annotations?.['helm.sh/resource-policy'], undefined);
  }
  assert.deepEqual(kinds(await render(valueSets.noCrds!), 'CustomResourceDefinition'), []);
});

const schemaCases: { name: string; values: Record<string, string>; key: RegExp }[] = [
  { name: 'an unknown top-level key', values: { replicas: '3' }, key: /replicas/ },
  { name: 'an unknown nested key (a typo)', values: { 'operator.replicaz': '3' }, key: /replicaz/ },
  { name: 'an unknown key three levels down', values: { 'nats.persistence.sizee': '1Gi' }, key: /sizee/ },
  { name: 'a string where an integer belongs', values: { 'operator.replicas': 'two' }, key: /replicas/ },
  { name: 'a string where a boolean belongs', values: { 'crds.install': 'maybe' }, key: /install/ },
  { name: 'a scope that does not exist', values: { 'rbac.scope': 'everywhere' }, key: /scope/ },
  { name: 'a word where a runner count belongs', values: { 'runner.capacity': 'many' }, key: /capacity/ },
  { name: 'a retired key (per-run defaults come from the CRD)', values: { 'runner.runTimeout': '1h' }, key: /runTimeout/ },
  { name: 'a role ARN that is not one', values: { 'serviceAccount.awsRoleArn': 'my-role' }, key: /awsRoleArn/ },
];

for (const { name, values, key } of schemaCases) {
  test(`values.schema.json rejects ${name}, naming the key`, async () => {
    const result = await template(values);
    assert.notEqual(result.code, 0, 'helm template accepted the values');
    assert.match(result.stderr, /values don't meet the specifications of the schema/);
    assert.match(result.stderr, key);
    const lint = await runHelm(helm, ['lint', chart, ...sets(values)]);
    assert.notEqual(lint.code, 0, 'helm lint accepted the values');
  });
}

for (const [name, values] of Object.entries(valueSets)) {
  test(`every manifest rendered with the ${name} values passes server-side dry-run apply`, async () => {
    const manifest = (await template(values)).stdout;
    assert.ok(manifest.length > 0);
    const result = await kubectl(['apply', '--server-side', '--dry-run=server', '--force-conflicts', '--field-manager=chart-render-test', '-f', '-'], manifest);
    assert.equal(result.code, 0, `${result.stderr}\n${result.stdout}`);
    const applied = result.stdout.split('\n').filter((l) => /serverside-applied \(server dry run\)$/.test(l));
    assert.equal(applied.length, (loadAllYaml(manifest) as unknown[]).filter(Boolean).length, result.stdout);
  });
}
