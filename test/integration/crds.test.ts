// The two CRDs against the real API server of the local stack: they install
// and become Established, kubectl shows their printer columns and resolves
// their short names, every sample is accepted, and bad specs are rejected with
// the message a user would see. Everything happens in a namespace of its own;
// the CRDs stay installed because other test files share the stack.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ApiException, KubeConfig, KubernetesObjectApi, PatchStrategy, loadAllYaml } from '@kubernetes/client-node';
import type { KubernetesObject, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { useStack } from '../stack/env.ts';
import { INET_BUILD, SIMULATION_CAMPAIGN } from '../../api/v1alpha1.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const crdFiles = ['inetbuilds.yaml', 'simulationcampaigns.yaml'].map((f) => path.join(root, 'crds', f));
const sampleDir = path.join(root, 'crds/samples');

const stack = await useStack();
const namespace = `crds-${randomBytes(4).toString('hex')}`;
const kc = new KubeConfig();
kc.loadFromFile(stack.kubeconfig);
const client = KubernetesObjectApi.makeApiClient(kc);

type Manifest = KubernetesObject & { spec?: Record<string, unknown>; [key: string]: unknown };

async function kubectl(...args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(stack.k8sBinary, ['kubectl', '--kubeconfig', stack.kubeconfig, ...args], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')} failed: ${e.stderr ?? e.message}`, { cause: error });
  }
}

function loadSamples(): { file: string; object: Manifest }[] {
  return readdirSync(sampleDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) =>
      (loadAllYaml(readFileSync(path.join(sampleDir, file), 'utf8')) as Manifest[]).map((object) => ({ file, object })),
    );
}

function sample(file: string): Manifest {
  const found = loadSamples().find((s) => s.file === file);
  assert.ok(found, `no sample ${file}`);
  return { ...structuredClone(found.object), metadata: { ...found.object.metadata, namespace } };
}

/** Sets (or, for undefined, removes) the value at a dotted path, creating objects on the way. */
function setPath(object: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  const last = keys.pop()!;
  let node = object;
  for (const key of keys) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  if (value === undefined) delete node[last];
  else node[last] = value;
}

function variant(base: Manifest, changes: Record<string, unknown>): Manifest {
  const object = structuredClone(base);
  for (const [p, v] of Object.entries(changes)) setPath(object as Record<string, unknown>, p, v);
  return object;
}

/** The message of the API server's Status for a failed request. */
function apiMessage(error: unknown): string {
  if (!(error instanceof ApiException)) throw error;
  const body: unknown = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
  return (body as { message?: string }).message ?? String(error.body);
}

async function rejection(request: Promise<unknown>): Promise<string> {
  try {
    await request;
  } catch (error) {
    return apiMessage(error);
  }
  assert.fail('the API server accepted the request');
}

before(async () => {
  await kubectl('create', 'namespace', namespace);
});

after(async () => {
  await kubectl('delete', 'namespace', namespace, '--wait=false');
});

test('the CRDs install with server-side apply and become Established with their names accepted', async () => {
  await kubectl('apply', '--server-side', '--force-conflicts', '--field-manager=inet-swarm-tests', ...crdFiles.flatMap((f) => ['-f', f]));
  await kubectl('wait', '--for=condition=Established', '--timeout=60s', `crd/${INET_BUILD.crdName}`, `crd/${SIMULATION_CAMPAIGN.crdName}`);
  for (const name of [INET_BUILD.crdName, SIMULATION_CAMPAIGN.crdName]) {
    const crd = JSON.parse(await kubectl('get', 'crd', name, '-o', 'json')) as V1CustomResourceDefinition;
    const status = Object.fromEntries((crd.status?.conditions ?? []).map((c) => [c.type, c.status]));
    assert.equal(status.Established, 'True', `${name} not Established`);
    assert.equal(status.NamesAccepted, 'True', `${name} names not accepted`);
  }
});

test('kubectl explain shows the descriptions of the fields, reached by short name', async () => {
  // The API server publishes a new CRD's OpenAPI document a moment after it is Established.
  const explain = async (field: string): Promise<string> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await kubectl('explain', field);
      } catch (error) {
        if (attempt >= 30) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };
  assert.match(await explain('simc.spec.runFilter'), /expression over iteration variables/);
  assert.match(await explain('ibuild.spec.source.revision'), /Full 40-character lowercase hexadecimal commit id/);
});

test('every sample is accepted by a server-side dry run, with the defaults filled in', async () => {
  const samples = loadSamples();
  assert.ok(samples.length >= 4);
  for (const { file, object } of samples) {
    const created = (await client.create({ ...object, metadata: { ...object.metadata, namespace } }, undefined, 'All')) as Manifest;
    assert.equal(created.metadata?.name, object.metadata?.name, file);
    if (created.kind === SIMULATION_CAMPAIGN.kind) {
      const execution = created.spec?.execution as Record<string, unknown>;
      assert.equal(typeof execution.maxAttempts, 'number', `${file}: execution.maxAttempts not defaulted`);
      assert.ok(Array.isArray((created.spec?.results as Record<string, unknown>).include), `${file}: results.include not defaulted`);
    } else {
      assert.ok(Array.isArray(created.spec?.commands), `${file}: commands not defaulted`);
      assert.equal(typeof (created.spec?.distcc as Record<string, unknown>).enabled, 'boolean', `${file}: distcc not defaulted`);
    }
  }
});

test('a minimal campaign gets the documented defaults', async () => {
  const created = (await client.create(sample('simulationcampaign-runfilter.yaml'), undefined, 'All')) as Manifest;
  assert.deepEqual(created.spec, {
    buildRef: { name: 'inet-4-5-4-release' },
    workingDir: 'examples/aloha',
    config: 'PureAloha1',
    runFilter: '0..99',
    iniFiles: ['omnetpp.ini'],
    simulation: { executable: 'opp_run' },
    execution: { parallelism: 100, cpu: '1', memory: '1Gi', runTimeout: '1h', maxAttempts: 3, retrySimulationErrors: false, progressDeadlineSeconds: 600 },
    results: { include: ['*.sca', '*.vec', '*.vci', '*.out'], storeScalars: true, maxFiles: 10_000, maxSize: '10Gi' },
    suspend: false,
  });
});

test('a minimal build gets the documented defaults', async () => {
  const created = (await client.create(sample('inetbuild-inet.yaml'), undefined, 'All')) as Manifest;
  assert.deepEqual(created.spec, {
    source: {
      repository: 'https://github.com/inet-framework/inet.git',
      revision: '7d9e05e6d3b6d7fd0ac8b3f9f0c4dcbf6fb8e2a1',
      submodules: true,
    },
    omnetpp: { version: '6.1' },
    mode: 'release',
    commands: ['make makefiles', 'make MODE=$MODE -j$JOBS'],
    distcc: { enabled: true },
    artifact: { exclude: ['.git', 'out/', '*.o'] },
    builder: { cpu: '2', memory: '4Gi', timeout: '2h' },
  });
});

test('kubectl lists campaigns with phase, done/total, failed, runners and build columns, by plural, short names and category', async () => {
  await client.create(sample('inetbuild-inet.yaml'));
  await client.create(sample('simulationcampaign-runfilter.yaml'));
  const status = {
    status: {
      phase: 'Running',
      progress: '120/500',
      runs: { total: 500, pending: 372, running: 8, succeeded: 117, failed: 3 },
      runners: 8,
      failedRuns: [{ run: 7, exitCode: 1, reason: 'SimulationError', message: '<!> Error: division by zero' }],
    },
  };
  await kubectl('patch', '-n', namespace, 'simulationcampaign', 'aloha-first-100', '--subresource=status', '--type=merge', '-p', JSON.stringify(status));
  await kubectl('patch', '-n', namespace, 'inetbuild', 'inet-4-5-4-release', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Succeeded', shortRevision: '7d9e05e6d3b6' } }));

  for (const resource of ['simulationcampaigns', 'simc', 'campaign']) {
    const lines = (await kubectl('get', resource, '-n', namespace)).trim().split('\n');
    assert.deepEqual(lines[0]?.split(/\s+/), ['NAME', 'PHASE', 'DONE', 'FAILED', 'RUNNERS', 'BUILD', 'AGE'], resource);
    assert.deepEqual(lines[1]?.split(/\s+/).slice(0, 6), ['aloha-first-100', 'Running', '120/500', '3', '8', 'inet-4-5-4-release'], resource);
  }
  const builds = (await kubectl('get', 'ibuild', '-n', namespace)).trim().split('\n');
  assert.deepEqual(builds[0]?.split(/\s+/), ['NAME', 'PHASE', 'REVISION', 'MODE', 'AGE']);
  assert.deepEqual(builds[1]?.split(/\s+/).slice(0, 4), ['inet-4-5-4-release', 'Succeeded', '7d9e05e6d3b6', 'release']);

  const all = await kubectl('get', 'inet-swarm', '-n', namespace, '-o', 'name');
  assert.deepEqual(all.trim().split('\n').sort(), [
    'inetbuild.inetswarm.dev/inet-4-5-4-release',
    'simulationcampaign.inetswarm.dev/aloha-first-100',
  ]);
});

test('a status written through the main resource is ignored, the status subresource keeps it', async () => {
  const read = (await client.read({ apiVersion: 'inetswarm.dev/v1alpha1', kind: 'SimulationCampaign', metadata: { name: 'aloha-first-100', namespace } })) as Manifest;
  const replaced = (await client.replace({ ...read, status: { phase: 'Failed' } })) as Manifest;
  assert.equal((replaced.status as { phase?: string }).phase, 'Running');
});

test('rejects a status with more than 20 failed runs or an unknown phase, so the status stays small and readable', async () => {
  const failedRuns = Array.from({ length: 21 }, (_, run) => ({ run, exitCode: 1, reason: 'SimulationError' }));
  const tooMany = await kubectl('patch', '-n', namespace, 'simc', 'aloha-first-100', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { failedRuns } })).then(
    () => '',
    (error: Error) => error.message,
  );
  assert.match(tooMany, /status\.failedRuns: Too many: 21: must have at most 20 items/);
  const badPhase = await kubectl('patch', '-n', namespace, 'simc', 'aloha-first-100', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Done' } })).then(
    () => '',
    (error: Error) => error.message,
  );
  assert.match(badPhase, /status\.phase: Unsupported value: "Done"/);
});

const build = sample('inetbuild-standalone.yaml');
const campaign = sample('simulationcampaign-full.yaml');

// Each row: what a user got wrong, the change to a valid sample, and a fragment
// of the message the API server answers with.
const invalid: { name: string; base: Manifest; changes: Record<string, unknown>; message: string }[] = [
  { name: 'a build with an abbreviated revision', base: build, changes: { 'spec.source.revision': '7d9e05e' }, message: 'source.revision must be a full 40-character lowercase hex commit id' },
  { name: 'a build with a branch name as revision', base: build, changes: { 'spec.source.revision': 'master' }, message: 'not a branch, a tag or an abbreviated hash' },
  { name: 'a build with an uppercase revision', base: build, changes: { 'spec.source.revision': '7D9E05E6D3B6D7FD0AC8B3F9F0C4DCBF6FB8E2A1' }, message: 'source.revision must be a full 40-character lowercase hex commit id' },
  { name: 'a build without a revision', base: build, changes: { 'spec.source.revision': undefined }, message: 'spec.source.revision: Required value' },
  { name: 'a build whose repository has no scheme', base: build, changes: { 'spec.source.repository': 'github.com/inet-framework/inet' }, message: 'source.repository must be a git URL' },
  { name: 'a build whose repository is an ftp URL', base: build, changes: { 'spec.source.repository': 'ftp://example.org/inet.git' }, message: 'source.repository must be a git URL' },
  { name: 'a build with an unknown mode', base: build, changes: { 'spec.mode': 'fast' }, message: 'Unsupported value: "fast": supported values: "release", "debug"' },
  { name: 'a build with an empty command', base: build, changes: { 'spec.commands': ['make makefiles', '  '] }, message: 'commands must not contain empty commands' },
  { name: 'a build with no commands', base: build, changes: { 'spec.commands': [] }, message: 'spec.commands in body should have at least 1 items' },
  { name: 'a build with an OMNeT++ version that is not a release number', base: build, changes: { 'spec.omnetpp.version': 'latest' }, message: 'omnetpp.version must be an OMNeT++ release number such as 6.1' },
  { name: 'a build with zero distcc jobs', base: build, changes: { 'spec.distcc.jobs': 0 }, message: 'spec.distcc.jobs in body should be greater than or equal to 1' },
  { name: 'a build whose memory is a bare number of bytes', base: build, changes: { 'spec.builder.memory': 4096 }, message: 'builder.memory must be between 64Mi and 1Ti' },
  { name: 'a build whose timeout is written in words', base: build, changes: { 'spec.builder.timeout': '2 hours' }, message: 'builder.timeout must be a duration such as 45m' },
  { name: 'a build whose timeout exceeds a day', base: build, changes: { 'spec.builder.timeout': '48h' }, message: 'builder.timeout must be between 1m and 24h' },
  { name: 'a build whose https repository has a user and token', base: build, changes: { 'spec.source.repository': 'https://me:ghp_secret@github.com/lab/aloha.git' }, message: 'source.repository must not contain credentials' },
  { name: 'a build whose https repository has a token as its user', base: build, changes: { 'spec.source.repository': 'https://oauth2@gitlab.example.org/sim/aloha' }, message: 'source.repository must not contain credentials' },
  { name: 'a build whose HTTP repository has a token in capitals of the scheme', base: build, changes: { 'spec.source.repository': 'HTTP://glpat-secret@gitlab.example.org/sim/aloha' }, message: 'source.repository must not contain credentials' },
  { name: 'a build whose ssh repository has a password', base: build, changes: { 'spec.source.repository': 'ssh://git:hunter2@example.org/sim/aloha.git' }, message: 'source.repository must not contain credentials' },
  { name: 'a build whose secret name has capitals', base: build, changes: { 'spec.source.credentialsSecretRef.name': 'My_Key' }, message: 'credentialsSecretRef.name must be the name of a Secret' },
  { name: 'a build that excludes a path outside the repository', base: build, changes: { 'spec.artifact.exclude': ['../secrets'] }, message: "must not start with '/' or contain '..'" },
  { name: 'a build whose name is longer than 52 characters', base: build, changes: { 'metadata.name': `b${'x'.repeat(55)}` }, message: 'metadata.name must be at most 52 characters' },
  { name: 'a campaign whose name contains a dot', base: campaign, changes: { 'metadata.name': 'ber.large' }, message: 'metadata.name must be at most 52 characters of lowercase letters, digits and' },
  { name: 'a campaign without buildRef', base: campaign, changes: { 'spec.buildRef': undefined }, message: 'spec.buildRef: Required value' },
  { name: 'a campaign without a build name', base: campaign, changes: { 'spec.buildRef': {} }, message: 'spec.buildRef.name: Required value' },
  { name: 'a campaign whose build name is not a name', base: campaign, changes: { 'spec.buildRef.name': 'INET 4.5' }, message: 'buildRef.name must be the name of an InetBuild' },
  { name: 'a campaign without config', base: campaign, changes: { 'spec.config': undefined }, message: 'spec.config: Required value' },
  { name: 'a campaign with an empty config', base: campaign, changes: { 'spec.config': '' }, message: 'spec.config in body should be at least 1 chars long' },
  { name: 'a campaign whose config repeats the section header', base: campaign, changes: { 'spec.config': 'Config Ber' }, message: 'config is the name inside the section header' },
  { name: 'a campaign with a config name containing spaces', base: campaign, changes: { 'spec.config': 'Ber Large' }, message: 'config must be a single config name without spaces' },
  { name: 'a campaign with an ini file not ending in .ini', base: campaign, changes: { 'spec.iniFiles': ['omnetpp.txt'] }, message: 'iniFiles must be file names ending in .ini' },
  { name: 'a campaign with an empty ini file list', base: campaign, changes: { 'spec.iniFiles': [] }, message: 'spec.iniFiles in body should have at least 1 items' },
  { name: 'a campaign with an absolute ini file', base: campaign, changes: { 'spec.iniFiles': ['/home/me/omnetpp.ini'] }, message: 'iniFiles must be paths relative to workingDir' },
  { name: 'a campaign with an absolute workingDir', base: campaign, changes: { 'spec.workingDir': '/home/me/inet/examples/ber' }, message: 'workingDir must be a path relative to the repository root' },
  { name: 'a campaign whose workingDir leaves the repository', base: campaign, changes: { 'spec.workingDir': 'examples/../../other' }, message: "workingDir must be a path relative to the repository root, without '..'" },
  { name: 'a campaign whose run filter is prose', base: campaign, changes: { 'spec.runFilter': 'first 100' }, message: 'runFilter must be run numbers and ranges such as 0..99' },
  { name: 'a campaign whose run filter has a stray separator', base: campaign, changes: { 'spec.runFilter': '0..99;' }, message: 'runFilter must be run numbers and ranges such as 0..99' },
  { name: 'a campaign with maxAttempts 0', base: campaign, changes: { 'spec.execution.maxAttempts': 0 }, message: 'spec.execution.maxAttempts in body should be greater than or equal to 1' },
  { name: 'a campaign with maxAttempts 11', base: campaign, changes: { 'spec.execution.maxAttempts': 11 }, message: 'spec.execution.maxAttempts in body should be less than or equal to 10' },
  { name: 'a campaign with parallelism 0', base: campaign, changes: { 'spec.execution.parallelism': 0 }, message: 'spec.execution.parallelism in body should be greater than or equal to 1' },
  { name: 'a campaign with parallelism 20000', base: campaign, changes: { 'spec.execution.parallelism': 20000 }, message: 'spec.execution.parallelism in body should be less than or equal to 10000' },
  { name: 'a campaign whose run timeout has no unit', base: campaign, changes: { 'spec.execution.runTimeout': '30' }, message: 'execution.runTimeout must be a duration such as 30m' },
  { name: 'a campaign whose run timeout is in days', base: campaign, changes: { 'spec.execution.runTimeout': '2d' }, message: '7 days is 168h' },
  { name: 'a campaign whose run timeout exceeds 7 days', base: campaign, changes: { 'spec.execution.runTimeout': '200h' }, message: 'execution.runTimeout must be between 1s and 168h' },
  { name: 'a campaign whose run timeout is zero', base: campaign, changes: { 'spec.execution.runTimeout': '0s' }, message: 'execution.runTimeout must be between 1s and 168h' },
  { name: 'a campaign whose cpu is a word', base: campaign, changes: { 'spec.execution.cpu': 'one' }, message: 'execution.cpu must be a CPU quantity such as 1, 2 or 500m' },
  { name: 'a campaign whose cpu is zero', base: campaign, changes: { 'spec.execution.cpu': '0' }, message: 'execution.cpu must be more than 0 and at most 64 cores' },
  { name: 'a campaign whose memory uses GB', base: campaign, changes: { 'spec.execution.memory': '2GB' }, message: 'execution.memory must be a memory quantity such as 512Mi or 2Gi' },
  { name: 'a campaign whose memory is a bare number of bytes', base: campaign, changes: { 'spec.execution.memory': 512 }, message: 'a bare number means bytes; write 512Mi or 2Gi' },
  { name: 'a campaign whose extra arguments choose the config', base: campaign, changes: { 'spec.simulation.extraArgs': ['-c', 'Other'] }, message: 'simulation.extraArgs must not set -u, -c, -r, -s, -q or --result-dir' },
  { name: 'a campaign whose extra arguments set the result directory', base: campaign, changes: { 'spec.simulation.extraArgs': ['--result-dir=/tmp/results'] }, message: 'simulation.extraArgs must not set -u, -c, -r, -s, -q or --result-dir' },
  { name: 'a campaign whose executable carries arguments', base: campaign, changes: { 'spec.simulation.executable': 'opp_run -l INET' }, message: 'simulation.executable must be a single program path without spaces' },
  { name: 'a campaign whose NED path joins folders', base: campaign, changes: { 'spec.simulation.nedPath': ['../../src;../../examples'] }, message: 'simulation.nedPath takes one folder per item' },
  { name: 'a campaign that keeps result files outside the result directory', base: campaign, changes: { 'spec.results.include': ['../*.sca'] }, message: 'results.include patterns match inside the run' },
  { name: 'a campaign whose suspend is a string', base: campaign, changes: { 'spec.suspend': 'yes' }, message: 'spec.suspend: Invalid value: "string": spec.suspend in body must be of type boolean' },
];

for (const { name, base, changes, message } of invalid) {
  test(`rejects ${name}`, async () => {
    const text = await rejection(client.create(variant(base, changes), undefined, 'All'));
    assert.ok(text.includes(message), `expected "${message}" in: ${text}`);
  });
}

test('rejects a repository URL with a token without repeating the token in its answer', async () => {
  const text = await rejection(client.create(variant(build, { 'spec.source.repository': 'https://x-access-token:ghp_Sekr1t@github.com/lab/aloha.git' }), undefined, 'All'));
  assert.ok(text.includes('must not contain credentials'), text);
  assert.ok(!text.includes('ghp_Sekr1t'), `the token is not in the answer: ${text}`);
});

// Valid spellings the rules must not reject.
const valid: { name: string; base: Manifest; changes: Record<string, unknown> }[] = [
  { name: 'an ssh:// repository', base: build, changes: { 'spec.source.repository': 'ssh://git@example.org:2222/sim/aloha.git' } },
  { name: 'a file:// repository', base: build, changes: { 'spec.source.repository': 'file:///srv/git/aloha.git' } },
  { name: 'an ssh repository with a login name on another port', base: build, changes: { 'spec.source.repository': 'ssh://git@example.org:2222/sim/a@b.git' } },
  { name: 'a three-part OMNeT++ version', base: build, changes: { 'spec.omnetpp.version': '5.7.1' } },
  { name: 'a comma-separated run list with ranges', base: campaign, changes: { 'spec.runFilter': '1,5-9, 20..29' } },
  { name: 'a single run', base: campaign, changes: { 'spec.runFilter': '7' } },
  { name: 'a parenthesised expression run filter', base: campaign, changes: { 'spec.runFilter': '($numHosts>10) and $iaMean<2' } },
  { name: 'a millicore cpu and a memory in bytes as a number', base: campaign, changes: { 'spec.execution.cpu': '500m', 'spec.execution.memory': 1073741824 } },
  { name: 'a compound run timeout', base: campaign, changes: { 'spec.execution.runTimeout': '1h30m' } },
  { name: 'the boundary values', base: campaign, changes: { 'spec.execution.maxAttempts': 10, 'spec.execution.parallelism': 10000, 'spec.execution.runTimeout': '168h' } },
  { name: 'a standalone executable and the repository root as workingDir', base: campaign, changes: { 'spec.simulation.executable': './aloha', 'spec.workingDir': '.' } },
  { name: 'a name of 52 characters', base: campaign, changes: { 'metadata.name': `c${'x'.repeat(51)}` } },
];

for (const { name, base, changes } of valid) {
  test(`accepts ${name}`, async () => {
    const created = (await client.create(variant(base, changes), undefined, 'All')) as Manifest;
    assert.equal(created.metadata?.uid !== undefined, true);
  });
}

test("rejects a change to an InetBuild's spec as immutable, but accepts a label change", async () => {
  const header = { apiVersion: 'inetswarm.dev/v1alpha1', kind: INET_BUILD.kind, metadata: { name: 'inet-4-5-4-release', namespace } };
  const text = await rejection(client.patch({ ...header, spec: { mode: 'debug' } }, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch));
  assert.ok(text.includes('InetBuild spec is immutable'), text);
  const labelled = await client.patch({ ...header, metadata: { ...header.metadata, labels: { team: 'wireless' } } }, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);
  assert.equal(labelled.metadata?.labels?.team, 'wireless');
  const stored = (await client.read(header)) as Manifest;
  assert.equal(stored.spec?.mode, 'release');
});

test("rejects a change to a campaign's config, but accepts changes to parallelism and suspend", async () => {
  const header = { apiVersion: 'inetswarm.dev/v1alpha1', kind: SIMULATION_CAMPAIGN.kind, metadata: { name: 'aloha-first-100', namespace } };
  const text = await rejection(client.patch({ ...header, spec: { config: 'PureAloha2' } }, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch));
  assert.ok(text.includes('workingDir, iniFiles, config, runFilter and simulation cannot change once the campaign exists'), text);
  const buildText = await rejection(client.patch({ ...header, spec: { buildRef: { name: 'other' } } }, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch));
  assert.ok(buildText.includes('buildRef cannot change once the campaign exists'), buildText);
  const patched = (await client.patch({ ...header, spec: { suspend: true, execution: { parallelism: 20 } } }, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch)) as Manifest;
  assert.equal(patched.spec?.suspend, true);
  assert.equal((patched.spec?.execution as Record<string, unknown>).parallelism, 20);
  assert.equal(patched.spec?.config, 'PureAloha1');
});
