// A status the API server refuses is a visible failure: on the real API
// server with the real CRDs, writeStatusOrReport turns a 422 into a
// StatusWritten=False condition on the object and a Warning Event, fails
// temporarily (so the reconcile is retried), and the next good write drops the
// condition again. Every status is clipped before it is written
// (test/unit/lib-kube-clip.test.ts); this covers what slips through anyway.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { useStack } from '../stack/env.ts';
import { GROUP, INET_BUILD, VERSION, type InetBuild, type InetBuildStatus } from '../../api/v1alpha1.ts';
import { STATUS_WRITTEN_CONDITION, writeStatusOrReport } from '../../lib/kube/resources.ts';
import { TemporaryError } from '../../lib/errors.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const stack = await useStack();
const namespace = `status-${randomBytes(4).toString('hex')}`;
const kc = new KubeConfig();
kc.loadFromFile(stack.kubeconfig);
const clients = { custom: kc.makeApiClient(CustomObjectsApi), core: kc.makeApiClient(CoreV1Api) };
const reporter = { identity: 'status-refused-test', log: pino({ level: 'silent' }) };

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(stack.k8sBinary, ['kubectl', '--kubeconfig', stack.kubeconfig, ...args]);
  return stdout;
}

async function getBuild(name: string): Promise<InetBuild> {
  return (await clients.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: INET_BUILD.plural, name })) as InetBuild;
}

before(async () => {
  await kubectl('apply', '--server-side', '--force-conflicts', '-f', path.join(root, 'crds'));
  await kubectl('wait', '--for=condition=Established', '--timeout=60s', `crd/${INET_BUILD.crdName}`);
  await kubectl('create', 'namespace', namespace);
});

after(async () => {
  await kubectl('delete', 'namespace', namespace, '--wait=false');
});

test('a refused status write leaves a StatusWritten=False condition and a Warning Event, and the next good write clears it', async () => {
  const created = (await clients.custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: INET_BUILD.plural,
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: INET_BUILD.kind, metadata: { name: 'long-log' }, spec: { source: { repository: 'https://example.org/m.git', revision: 'a'.repeat(40) } } },
  })) as InetBuild;
  const building: InetBuildStatus = {
    phase: 'Building',
    conditions: [{ type: 'Ready', status: 'False', reason: 'Building', message: 'compiling', lastTransitionTime: '2026-01-01T00:00:00Z' }],
  };
  const stored = await writeStatusOrReport(clients, INET_BUILD, created, building, reporter);
  assert.equal(stored.status?.phase, 'Building');

  const tooLong: InetBuildStatus = { ...building, phase: 'Failed', failure: { reason: 'CompileFailed', message: 'make failed', logTail: 'x'.repeat(70_000) } };
  await assert.rejects(writeStatusOrReport(clients, INET_BUILD, stored, tooLong, reporter), (error: unknown) => {
    assert.ok(error instanceof TemporaryError, String(error));
    assert.match((error as Error).message, /refused by the API server: 422 .*logTail/);
    return true;
  });

  const reported = await getBuild('long-log');
  assert.equal(reported.status?.phase, 'Building', 'the status as stored is kept');
  const condition = reported.status?.conditions?.find((c) => c.type === STATUS_WRITTEN_CONDITION);
  assert.equal(condition?.status, 'False');
  assert.equal(condition?.reason, 'StatusRejected');
  assert.match(condition?.message ?? '', /logTail/);
  const events = JSON.parse(await kubectl('get', 'events', '-n', namespace, '--field-selector', 'involvedObject.name=long-log', '-o', 'json')) as { items: { type: string; reason: string; message: string }[] };
  assert.ok(
    events.items.some((e) => e.type === 'Warning' && e.reason === 'StatusRejected' && /logTail/.test(e.message)),
    JSON.stringify(events.items.map((e) => e.reason)),
  );

  const failed: InetBuildStatus = { ...tooLong, failure: { reason: 'CompileFailed', message: 'make failed', logTail: 'error: x' } };
  await writeStatusOrReport(clients, INET_BUILD, reported, failed, reporter);
  const recovered = await getBuild('long-log');
  assert.equal(recovered.status?.phase, 'Failed');
  assert.equal(recovered.status?.conditions?.find((c) => c.type === STATUS_WRITTEN_CONDITION), undefined);
});
