// The runner pod's two containers (operator/controllers/simulationcampaign/manifests.ts):
// the simulations' sandbox holds no credential and shares with the runner only the
// launcher's socket, the result folders and (read-only) the artifact cache.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InetBuild, SimulationCampaign } from '../../api/v1alpha1.ts';
import { runnerConfigFromEnv } from '../../lib/engine/runner-config.ts';
import { ARTIFACT_CACHE_DIR, LAUNCHER_SOCKET, RUNNER_WORK_DIR, runnerJob } from '../../operator/controllers/simulationcampaign/manifests.ts';
import { campaignSettingsFromEnv } from '../../operator/controllers/simulationcampaign/settings.ts';

type Mount = { name: string; mountPath: string; readOnly?: boolean };
type Container = { name: string; restartPolicy?: string; args: string[]; env?: { name: string; value?: string; valueFrom?: unknown }[]; resources: unknown; securityContext: Record<string, unknown>; volumeMounts: Mount[] };
type PodSpec = { shareProcessNamespace?: boolean; initContainers: Container[]; containers: Container[]; volumes: { name: string; emptyDir?: unknown }[] };

const settings = campaignSettingsFromEnv(
  { INETSWARM_NATS_URL: 'nats://nats:4222', INETSWARM_NATS_ACCOUNT: `A${'B'.repeat(55)}`, INETSWARM_NATS_SIGNING_KEY: `SA${'C'.repeat(56)}` },
  { uri: 'mongodb://root:secret-mongo@db:27017', database: 'inetswarm' },
  1000,
);
const campaign: SimulationCampaign = {
  apiVersion: 'inetswarm.dev/v1alpha1',
  kind: 'SimulationCampaign',
  metadata: { name: 'aloha', namespace: 'team', uid: 'uid-1' },
  spec: { buildRef: { name: 'fixture' }, config: 'Aloha', execution: { cpu: '2', memory: '3Gi' } },
};
const build: InetBuild = {
  apiVersion: 'inetswarm.dev/v1alpha1',
  kind: 'InetBuild',
  metadata: { name: 'fixture', namespace: 'team', uid: 'b-1' },
  spec: { source: { repository: 'https://example.org/m.git', revision: 'b'.repeat(40) } },
  status: { phase: 'Succeeded', artifact: { digest: `sha256:${'a'.repeat(64)}`, size: 1 } },
};
const pod = (runnerJob(campaign, build, settings, 1) as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const [simulation] = pod.initContainers;
const [runner] = pod.containers;
const mounts = (c: Container | undefined) => Object.fromEntries((c?.volumeMounts ?? []).map((m) => [m.name, `${m.mountPath}${m.readOnly ? ' (read-only)' : ''}`]));

describe('the runner pod', () => {
  it('runs the simulations in a sidecar of their own, the launcher listening on its socket, in a process namespace of its own', () => {
    assert.deepEqual([simulation?.name, simulation?.restartPolicy, runner?.name], ['simulation', 'Always', 'runner']);
    assert.deepEqual(simulation?.args, ['/usr/local/bin/inet-swarm-launcher', '--listen', LAUNCHER_SOCKET]);
    assert.equal(pod.shareProcessNamespace, false);
    assert.equal(pod.containers.length + pod.initContainers.length, 2);
  });

  it('gives the sandbox no environment and no Secret: the credentials are the runner container\'s only', () => {
    assert.equal(simulation?.env, undefined);
    assert.ok(pod.volumes.every((v) => v.emptyDir !== undefined), 'only emptyDirs: no Secret, no host path');
    const byRef = (runner?.env ?? []).filter((e) => e.valueFrom !== undefined && JSON.stringify(e.valueFrom).includes('secretKeyRef')).map((e) => e.name);
    assert.deepEqual(byRef.sort(), ['INETSWARM_MONGO_URI', 'INETSWARM_NATS_CREDS']);
  });

  it('shares the socket, the result folders and the artifact cache (read-only for the simulations), each container its own /tmp', () => {
    assert.deepEqual(mounts(simulation), { launcher: '/var/run/inet-swarm/launcher', work: RUNNER_WORK_DIR, 'artifact-cache': `${ARTIFACT_CACHE_DIR} (read-only)`, 'simulation-tmp': '/tmp' });
    assert.deepEqual(mounts(runner), { launcher: '/var/run/inet-swarm/launcher', work: RUNNER_WORK_DIR, 'artifact-cache': ARTIFACT_CACHE_DIR, tmp: '/tmp' });
  });

  it('points the runner at the socket and the shared folders', () => {
    const env = Object.fromEntries((runner?.env ?? []).map((e) => [e.name, e.value ?? 'from-ref']));
    const config = runnerConfigFromEnv(env);
    assert.deepEqual([config.launcherSocket, config.workDir, config.artifact.cacheDir], [LAUNCHER_SOCKET, RUNNER_WORK_DIR, ARTIFACT_CACHE_DIR]);
  });

  it('passes the operator\'s plan limit on to the runner, and leaves the runner its default without one', () => {
    const limited = campaignSettingsFromEnv({ INETSWARM_PLAN_MAX_RUNS: '5000' }, { uri: 'mongodb://db:27017', database: 'inetswarm' }, 1000);
    const runnerOf = (s: typeof settings) => (runnerJob(campaign, build, s, 1) as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec.containers[0];
    const planMaxRuns = (s: typeof settings) => runnerConfigFromEnv(Object.fromEntries((runnerOf(s)?.env ?? []).map((e) => [e.name, e.value ?? 'from-ref']))).planMaxRuns;
    assert.deepEqual([planMaxRuns(limited), planMaxRuns(settings)], [5000, undefined]);
  });

  it('gives the campaign\'s cpu and memory to the sandbox, where the simulations run, and both containers the restricted security context', () => {
    assert.deepEqual(simulation?.resources, { requests: { cpu: '2', memory: '3Gi' }, limits: { memory: '3Gi' } });
    for (const c of [simulation, runner]) {
      assert.deepEqual(
        [c?.securityContext.readOnlyRootFilesystem, c?.securityContext.runAsNonRoot, c?.securityContext.allowPrivilegeEscalation, c?.securityContext.capabilities],
        [true, true, false, { drop: ['ALL'] }],
        c?.name,
      );
    }
  });
});
