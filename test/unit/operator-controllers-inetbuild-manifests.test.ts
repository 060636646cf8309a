// The builder pod's two containers (operator/controllers/inetbuild/manifests.ts): the user's
// build commands run in `build`, which holds neither the store's URI nor the clone credentials,
// and shares with `builder` only the workspace and the launcher's socket.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InetBuild } from '../../api/v1alpha1.ts';
import { buildSettings } from '../support/build-settings.ts';
import { builderJob, LAUNCHER_SOCKET, PRIVATE_CREDENTIALS_DIR } from '../../operator/controllers/inetbuild/manifests.ts';

type Mount = { name: string; mountPath: string; readOnly?: boolean };
type Container = { name: string; restartPolicy?: string; args: string[]; env?: { name: string; value?: string; valueFrom?: unknown }[]; resources: unknown; securityContext: Record<string, unknown>; volumeMounts: Mount[] };
type PodSpec = { shareProcessNamespace?: boolean; initContainers: Container[]; containers: Container[]; volumes: { name: string; emptyDir?: unknown; secret?: unknown }[] };

const settings = buildSettings({ mongoUri: 'mongodb://root:secret-mongo@db:27017' });
const build: InetBuild = {
  apiVersion: 'inetswarm.dev/v1alpha1',
  kind: 'InetBuild',
  metadata: { name: 'fixture', namespace: 'team', uid: 'uid-1' },
  spec: { source: { repository: 'https://example.org/m.git', revision: 'b'.repeat(40), credentialsSecretRef: { name: 'git-token' } }, builder: { cpu: '3', memory: '5Gi' } },
};
const pod = (builderJob(build, settings) as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const [sandbox] = pod.initContainers;
const [builder] = pod.containers;
const mounts = (c: Container | undefined) => Object.fromEntries((c?.volumeMounts ?? []).map((m) => [m.name, `${m.mountPath}${m.readOnly ? ' (read-only)' : ''}`]));

describe('the builder pod', () => {
  it('runs the build commands in a sidecar of their own, the launcher listening on its socket, in a process namespace of its own', () => {
    assert.deepEqual([sandbox?.name, sandbox?.restartPolicy, builder?.name], ['build', 'Always', 'builder']);
    assert.deepEqual(sandbox?.args, ['/usr/local/bin/inet-swarm-launcher', '--listen', LAUNCHER_SOCKET]);
    assert.equal(pod.shareProcessNamespace, false);
    assert.equal(builder?.env?.find((e) => e.name === 'INETSWARM_LAUNCHER_SOCKET')?.value, LAUNCHER_SOCKET);
  });

  it('gives the build container no environment, no Secret and not the builder\'s copies of the clone credentials', () => {
    assert.equal(sandbox?.env, undefined);
    assert.deepEqual(mounts(sandbox), { workspace: '/workspace', launcher: '/var/run/inet-swarm/launcher', 'build-tmp': '/tmp' });
    assert.deepEqual(mounts(builder), {
      workspace: '/workspace',
      launcher: '/var/run/inet-swarm/launcher',
      tmp: '/tmp',
      credentials: PRIVATE_CREDENTIALS_DIR,
      'git-credentials': '/var/run/inet-swarm/git-credentials (read-only)',
    });
    assert.ok(pod.volumes.filter((v) => v.secret).every((v) => v.name === 'git-credentials'));
  });

  it('gives the build\'s cpu and memory to the build container, and both containers the restricted security context', () => {
    assert.deepEqual(sandbox?.resources, { requests: { cpu: '3', memory: '5Gi' }, limits: { memory: '5Gi' } });
    for (const c of [sandbox, builder]) {
      assert.deepEqual(
        [c?.securityContext.readOnlyRootFilesystem, c?.securityContext.runAsNonRoot, c?.securityContext.allowPrivilegeEscalation, c?.securityContext.capabilities],
        [true, true, false, { drop: ['ALL'] }],
        c?.name,
      );
    }
  });
});
