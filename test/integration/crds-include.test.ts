// The grammar of results.include patterns is one: the code's validator
// (lib/store/include.ts) and the CRD's CEL rules, run by the stack's real
// kube-apiserver, give the same verdict on every pattern of one table
// (test/support/include-patterns.ts). Each pattern goes in a server-side dry
// run of a campaign; the API server must refuse exactly the patterns the
// validator refuses. No node is involved.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { ApiException, KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { SIMULATION_CAMPAIGN } from '../../api/v1alpha1.ts';
import { includePatternError } from '../../lib/store/include.ts';
import { useStack } from '../stack/env.ts';
import { INCLUDE_PATTERN_CASES } from '../support/include-patterns.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const stack = await useStack();
const namespace = `crds-include-${randomBytes(4).toString('hex')}`;
const kc = new KubeConfig();
kc.loadFromFile(stack.kubeconfig);
const client = KubernetesObjectApi.makeApiClient(kc);
const kubectl = (...args: string[]) => promisify(execFile)(stack.k8sBinary, ['kubectl', '--kubeconfig', stack.kubeconfig, ...args]);

const campaign = (include: string[]): KubernetesObject & Record<string, unknown> => ({
  apiVersion: 'inetswarm.dev/v1alpha1',
  kind: 'SimulationCampaign',
  metadata: { name: 'include', namespace },
  spec: { buildRef: { name: 'b' }, config: 'General', simulation: { executable: './aloha' }, results: { include } },
});

/** The API server's refusal of a campaign with these patterns, or undefined when it accepts it (dry run). */
async function refusal(include: string[]): Promise<string | undefined> {
  try {
    await client.create(campaign(include), undefined, 'All');
    return undefined;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    return String((JSON.parse(String(err.body)) as { message?: string }).message ?? err.body);
  }
}

before(async () => {
  await kubectl('apply', '--server-side', '--force-conflicts', '--field-manager=inet-swarm-tests', '-f', path.join(root, 'crds', 'simulationcampaigns.yaml'));
  await kubectl('wait', '--for=condition=Established', '--timeout=60s', `crd/${SIMULATION_CAMPAIGN.crdName}`);
  await kubectl('create', 'namespace', namespace);
});
after(async () => {
  await kubectl('delete', 'namespace', namespace, '--wait=false');
});

test('the API server and the validator agree on every pattern of the table', async () => {
  const disagreements: string[] = [];
  for (const [pattern, valid] of INCLUDE_PATTERN_CASES) {
    const refused = await refusal([pattern]);
    const codeValid = includePatternError(pattern) === undefined;
    assert.equal(codeValid, valid, `the table and the validator disagree on ${JSON.stringify(pattern)}`);
    if ((refused === undefined) !== codeValid) disagreements.push(`${JSON.stringify(pattern)}: validator ${codeValid ? 'accepts' : 'refuses'}, API server ${refused === undefined ? 'accepts' : `refuses (${refused})`}`);
  }
  assert.deepEqual(disagreements, []);
});

test('the API server names a reversed range, and takes the full list of valid patterns at once', async () => {
  assert.match((await refusal(['*.sca', '[z-a]*.vec'])) ?? '', /must not hold a reversed range such as \[z-a\]/);
  const allValid = INCLUDE_PATTERN_CASES.filter(([, valid]) => valid).map(([p]) => p);
  assert.equal(await refusal(allValid), undefined);
});
