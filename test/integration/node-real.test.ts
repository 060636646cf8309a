// The stack's real node (kubelet + containerd, test/stack/node/) really runs
// pods: it registers Ready as a runner node that only pods asking for it land
// on; a locked-down pod runs to Completed in a real container and its log
// comes back through the API; a pod reaches the servers it needs through the
// pod network; an image imported later runs; a missing image is reported as
// ErrImageNeverPull. This file uses the real node, not the kwok nodes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { useStack } from '../stack/env.ts';
import { REAL_NODE_LABEL, REAL_NODE_TOLERATIONS } from '../stack/node/node.ts';
import { importImages } from '../stack/node/local-images.ts';
import { eventually, notYet } from '../support/eventually.ts';
import { useNamespace } from '../support/namespace.ts';

const stack = await useStack({ realNode: true });
// useStack({ realNode: true }) fails when the stack has none.
const node = stack.realNode ?? assert.fail('no real node');
const kc = new KubeConfig();
kc.loadFromFile(stack.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const namespace = `node-test-${randomBytes(3).toString('hex')}`;

/** A pod pinned to the real node, as locked down as the operator's pods: non-root, read-only root, no capabilities. */
function pinnedPod(name: string, image: string, script: string): V1Pod {
  return {
    metadata: { name, namespace },
    spec: {
      restartPolicy: 'Never',
      nodeSelector: { [REAL_NODE_LABEL]: 'real' },
      tolerations: REAL_NODE_TOLERATIONS,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'main',
          image,
          imagePullPolicy: 'Never',
          command: ['sh', '-c', script],
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}

/** Creates the pod and waits until it has finished; returns it and its log. */
async function runToEnd(pod: V1Pod): Promise<{ pod: V1Pod; log: string }> {
  const name = pod.metadata?.name ?? '';
  await core.createNamespacedPod({ namespace, body: pod });
  const done = await eventually(`pod ${name} finishes`, async () => {
    const p = await core.readNamespacedPod({ name, namespace });
    return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : notYet({ phase: p.status?.phase, statuses: p.status?.containerStatuses });
  }, 90_000);
  return { pod: done, log: await core.readNamespacedPodLog({ name, namespace, container: 'main' }) };
}

useNamespace(core, namespace);

test('the real node is Ready, labelled and tainted as a runner node, and tainted so that only pods asking for it land there', async () => {
  const n = await core.readNode({ name: node.name });
  assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.equal(n.metadata?.labels?.['inetswarm.dev/pool'], 'runner');
  // Spelled out rather than taken from node.ts: these names are what tests and charts select the node by.
  assert.equal(n.metadata?.labels?.['inetswarm.dev/test-node'], 'real');
  const taints = (n.spec?.taints ?? []).map((t) => `${t.key}=${t.value}:${t.effect}`).sort();
  assert.deepEqual(taints, ['inetswarm.dev/pool=runner:NoSchedule', 'inetswarm.dev/test-node=real:NoSchedule']);
  assert.equal(n.status?.nodeInfo?.kubeletVersion, 'v1.36.3');
  assert.match(n.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\//);
  assert.ok(!stack.nodes.runner.includes(node.name), 'the kwok runner list does not name the real node');
});

test('a locked-down pod runs to Completed in a real container, and its log comes back through the API', async () => {
  const script = 'echo "uid=$(id -u) gid=$(id -g)"; if touch /probe 2>/dev/null; then echo root-writable; else echo root-read-only; fi; grep CapEff /proc/self/status';
  const { pod, log } = await runToEnd(pinnedPod('locked-down', node.images.busybox, script));
  assert.equal(pod.spec?.nodeName, node.name);
  assert.equal(pod.status?.phase, 'Succeeded');
  assert.equal(pod.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
  assert.match(pod.status?.podIP ?? '', /^10\.250\./);
  assert.deepEqual(log.trim().split('\n'), ['uid=1000 gid=1000', 'root-read-only', 'CapEff:\t0000000000000000']);
});

test('a pod reaches NATS, the MongoDB-wire server and the API server through the pod network', async () => {
  const nats = new URL(node.fromPods.natsUrl);
  const [mongoHost, mongoPort] = node.fromPods.mongoHostPort.split(':');
  const api = new URL(node.fromPods.apiServer);
  const script = [
    `sleep 1 | nc -w 3 ${nats.hostname} ${nats.port} | head -c 5; echo`,
    `nc -w 3 ${mongoHost} ${mongoPort} </dev/null && echo mongo-open`,
    `nc -w 3 ${api.hostname} ${api.port || '443'} </dev/null && echo api-open`,
  ].join('; ');
  const { log } = await runToEnd(pinnedPod('reach', node.images.busybox, script));
  assert.deepEqual(log.trim().split('\n'), ['INFO ', 'mongo-open', 'api-open']);
  // The address pods dial is the one the API server's certificate names (the kubernetes Service's ClusterIP).
  const caPem = Buffer.from(/certificate-authority-data: (\S+)/.exec(await readFile(stack.kubeconfig, 'utf8'))?.[1] ?? '', 'base64').toString();
  const status = await new Promise<number>((resolve, reject) => {
    request(`${node.fromPods.apiServer}/version`, { ca: caPem }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
  assert.equal(status, 200);
});

test('an image imported with importImages runs on the node', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'node-image-'));
  try {
    const image = `inet-swarm.local/imported-${randomBytes(3).toString('hex')}:1`;
    const tarball = join(dir, 'image.tar');
    await promisify(execFile)('sh', [join(import.meta.dirname, '../stack/node/image.sh'), 'busybox', tarball, image]);
    await importImages(node, [tarball]);
    const { pod, log } = await runToEnd(pinnedPod('imported', image, 'echo imported'));
    assert.equal(pod.status?.phase, 'Succeeded');
    assert.equal(log.trim(), 'imported');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a pod whose image is not on the node waits with ErrImageNeverPull', async () => {
  const name = 'missing-image';
  await core.createNamespacedPod({ namespace, body: pinnedPod(name, 'inet-swarm.local/absent:1', 'true') });
  const waiting = await eventually('the kubelet reports why the container cannot start', async () => {
    const p = await core.readNamespacedPod({ name, namespace });
    const state = p.status?.containerStatuses?.[0]?.state?.waiting;
    return state?.reason === 'ErrImageNeverPull' ? state : notYet(p.status);
  });
  assert.match(waiting.message ?? '', /inet-swarm\.local\/absent:1/);
  assert.equal((await core.readNamespacedPod({ name, namespace })).status?.phase, 'Pending');
});
