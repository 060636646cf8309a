// The chart's own Secrets against the Secrets the operator writes into every
// namespace it serves (issue 15 item 8): with the documented release name and
// with others, no name is shared, the operator's Secret rights name only its
// own, values that would make them collide are refused, and the chart's
// MongoDB runs with authorization on (so that the namespace users' roles are
// enforced there, which the stack's FerretDB cannot show). Nothing is applied:
// helm template and kubectl's client-side dry run only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useStack } from '../stack/env.ts';
import { helmBinary } from '../stack/helm.ts';
import { loadConfig } from '../../operator/config.ts';
import { chartRenderer, find, kinds, type Doc } from '../support/chart.ts';

const stack = await useStack();
const helm = await helmBinary();
/** The release name and namespace the README installs with. */
const DOCUMENTED = { release: 'inet-swarm', namespace: 'inet-swarm-system' };

function operatorDeployment(docs: Doc[]): Doc {
  const [deployment] = kinds(docs, 'Deployment').filter((d) => d.metadata.name.endsWith('-operator'));
  assert.ok(deployment, 'the operator Deployment');
  return deployment;
}

/** The names of the Secrets the operator writes into namespaces, as the operator reads its rendered environment. */
function operatorSecretNames(docs: Doc[]): string[] {
  const env: NodeJS.ProcessEnv = { INETSWARM_MONGO_URI: 'mongodb://root:pw@mongo:27017/?authSource=admin' };
  for (const entry of operatorDeployment(docs).spec.template.spec.containers[0].env as { name: string; value?: string }[]) {
    if (entry.value !== undefined) env[entry.name] = entry.value;
  }
  const config = loadConfig(env, []);
  return [config.campaign.runnerSecretName, config.build.mongoSecretName];
}

/** The Secret the NATS keys hook Job creates (not rendered: the hook makes it once and keeps it across upgrades). */
function hookSecretName(docs: Doc[]): string {
  const [job] = kinds(docs, 'Job').filter((d) => d.metadata.name.endsWith('-nats-keys'));
  const env = (job?.spec.template.spec.containers[0].env ?? []) as { name: string; value?: string }[];
  return env.find((e) => e.name === 'INETSWARM_NATS_KEYS_SECRET')?.value ?? assert.fail('the NATS keys hook Job names no Secret');
}

/** The Secret names the operator may read and change (its Roles' and ClusterRoles' resourceNames on secrets). */
function grantedSecretNames(docs: Doc[]): string[] {
  // The NATS keys hook's own Role (it makes the keys Secret) is not the operator's.
  const roles = [...kinds(docs, 'ClusterRole'), ...kinds(docs, 'Role')].filter((r) => r.metadata.labels?.['app.kubernetes.io/component'] !== 'nats-keys');
  const rules = roles.flatMap((r) => (r.rules ?? []) as { resources?: string[]; resourceNames?: string[] }[]);
  return rules.filter((r) => r.resources?.includes('secrets')).flatMap((r) => r.resourceNames ?? []);
}

for (const release of [DOCUMENTED.release, 'prod', 'inet-swarm-runner', 'builder']) {
  test(`release "${release}": no Secret of the chart shares a name with one the operator writes or may read`, async () => {
    const docs = await chartRenderer(stack, helm, release, DOCUMENTED.namespace).render({});
    const chartSecrets = [...kinds(docs, 'Secret').map((d) => d.metadata.name), hookSecretName(docs)];
    assert.ok(chartSecrets.length >= 3, `the chart's Secrets: ${chartSecrets.join(', ')}`);
    const operatorSecrets = operatorSecretNames(docs);
    assert.deepEqual(operatorSecrets, ['inet-swarm-runner', 'inet-swarm-builder']);
    for (const name of [...operatorSecrets, ...grantedSecretNames(docs)]) {
      assert.ok(!chartSecrets.includes(name), `${name} is both the chart's and the operator's`);
    }
  });
}

test('with the documented release name the root MongoDB Secret is <fullname>-mongodb-root, which MongoDB and the operator read', async () => {
  const docs = await chartRenderer(stack, helm, DOCUMENTED.release, DOCUMENTED.namespace).render({});
  const root = find(docs, 'Secret', 'inet-swarm-mongodb-root', DOCUMENTED.namespace);
  assert.ok(root.data['mongodb-root-password'] && root.data.uri);
  const mongo = find(docs, 'StatefulSet', 'inet-swarm-mongodb', DOCUMENTED.namespace).spec.template.spec.containers[0];
  const rootPassword = mongo.env.find((e: { name: string }) => e.name === 'MONGO_INITDB_ROOT_PASSWORD');
  assert.equal(rootPassword.valueFrom.secretKeyRef.name, 'inet-swarm-mongodb-root');
  const operatorUri = operatorDeployment(docs).spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'INETSWARM_MONGO_URI');
  assert.equal(operatorUri.valueFrom.secretKeyRef.name, 'inet-swarm-mongodb-root');
});

test("the chart's MongoDB enforces authorization (--auth), so that each namespace user's readWrite role is all it gets", async () => {
  const docs = await chartRenderer(stack, helm, DOCUMENTED.release, DOCUMENTED.namespace).render({});
  const mongo = find(docs, 'StatefulSet', 'inet-swarm-mongodb', DOCUMENTED.namespace).spec.template.spec.containers[0];
  assert.ok((mongo.args as string[]).includes('--auth'), `args: ${JSON.stringify(mongo.args)}`);
});

const colliding: Record<string, Record<string, string>> = {
  'the builder Secret named like the root MongoDB Secret': { 'builder.mongoSecretName': 'inet-swarm-mongodb-root' },
  'the builder Secret named like the root Secret of older releases': { 'builder.mongoSecretName': 'inet-swarm-mongodb' },
  'the runner Secret named like the NATS Secret': { 'runner.secretName': 'inet-swarm-nats' },
  'the runner Secret named like the results TLS Secret': { 'runner.secretName': 'inet-swarm-results-tls' },
  'the builder Secret named like an existing MongoDB Secret': { 'mongodb.auth.existingSecret': 'store-root', 'builder.mongoSecretName': 'store-root' },
  'one name for both operator Secrets': { 'runner.secretName': 'tenant', 'builder.mongoSecretName': 'tenant' },
};

for (const [name, values] of Object.entries(colliding)) {
  test(`the chart refuses ${name}`, async () => {
    const result = await chartRenderer(stack, helm, DOCUMENTED.release, DOCUMENTED.namespace).template(values);
    assert.notEqual(result.code, 0, 'helm template succeeded');
    assert.match(result.stderr, /Secret name .* is also a Secret of the chart|must differ/);
  });
}
