// A real node beside the kwok nodes: kubelet + containerd + runc + CNI
// bridge, registered with the stack's API server, labelled and tainted as a
// runner node, that runs pods in real containers from locally made images.
// It carries a second taint of its own, so that only pods that ask for it
// land there: the kwok-based tests' runner pods keep going to kwok nodes.
// Its pods resolve Services through a small cluster DNS on the pod
// network's gateway (dns.ts). Everything it writes lives under its
// directory, except what the kernel keeps elsewhere (the bridge, the
// cgroup), which stop() removes.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RUNNER_POOL_SELECTOR, RUNNER_POOL_TOLERATION } from '../../../lib/kube/manifests.ts';
import { freePort, type ManagedProcess } from '../process.ts';
import { apiRequest, type ApiAccess } from '../servers/kube.ts';
import { ensureDebianPackages } from '../system-packages.ts';
import { createCgroup, removeCgroup } from './cgroups.ts';
import { startContainerd, type Containerd } from './containerd.ts';
import { startClusterDns } from './dns.ts';
import { forward, type Forwarder } from './forward.ts';
import { kubeletBinary, startKubelet, type Taint } from './kubelet.ts';
import { BUSYBOX_IMAGE, PAUSE_IMAGE, busyboxImageTarball, importImages, pauseImageTarball } from './local-images.ts';
import { API_SERVICE_IP, cniConfList, createPodNetwork, deletePodNetwork, type PodNetwork } from './network.ts';

const run = promisify(execFile);

/** The Debian packages the node runs on. */
export const NODE_PACKAGES = ['containerd', 'runc', 'containernetworking-plugins'];

/** The real node's name. */
export const REAL_NODE_NAME = 'real-runner-0';
/** The label (and the key of the taint) that says a node is real: `nodeSelector: { [REAL_NODE_LABEL]: 'real' }`. */
export const REAL_NODE_LABEL = 'inetswarm.dev/test-node';
/** What a pod needs to land on the real node: the runner pool's toleration and the real node's. */
export const REAL_NODE_TOLERATIONS = [RUNNER_POOL_TOLERATION, { key: REAL_NODE_LABEL, operator: 'Equal', value: 'real', effect: 'NoSchedule' }];

/** The labels kwok's runner nodes carry (test/stack/servers/kwok.ts), and the real node's own. */
export function realNodeLabels(): Record<string, string> {
  return { ...RUNNER_POOL_SELECTOR, 'node.kubernetes.io/instance-type': 'local', [REAL_NODE_LABEL]: 'real' };
}

export function realNodeTaints(): Taint[] {
  return [
    { key: RUNNER_POOL_TOLERATION.key, value: RUNNER_POOL_TOLERATION.value, effect: 'NoSchedule' },
    { key: REAL_NODE_LABEL, value: 'real', effect: 'NoSchedule' },
  ];
}

/** The stack's servers the node's pods must reach, each on 127.0.0.1 at this port. */
export interface NodeExposed {
  natsPort: number;
  mongoPort: number;
  apiPort: number;
}

export interface RealNodeOptions {
  dir: string;
  /** Admin access, to watch the node become Ready. */
  admin: ApiAccess;
  /** The node's own bearer token (user system:node:REAL_NODE_NAME, group system:nodes). */
  nodeToken: string;
  /** The CA of the API server's client certificate (pki.ts): the kubelet's API takes only that. */
  clientCaFile: string;
  exposed: NodeExposed;
  log?: (line: string) => void;
}

/** What a test needs of the real node; plain data, part of StackInfo. */
export interface RealNodeInfo {
  name: string;
  containerdSocket: string;
  /** The pods' gateway: where pods reach the stack's servers. */
  gateway: string;
  /** The stack's servers as pods dial them. */
  fromPods: { natsUrl: string; mongoHostPort: string; apiServer: string };
  images: { pause: string; busybox: string };
  logFiles: { kubelet: string; containerd: string };
}

export interface RealNode {
  info: RealNodeInfo;
  stop(): Promise<void>;
}

/** Builds (or takes from the cache) what the node runs and installs its packages. */
export async function prepareRealNode(log: (line: string) => void = () => {}): Promise<{ kubelet: string; tarballs: string[] }> {
  await ensureDebianPackages(NODE_PACKAGES, log);
  const kubelet = await kubeletBinary(log);
  const tarballs = [await pauseImageTarball(log), await busyboxImageTarball(log)];
  return { kubelet, tarballs };
}

async function nodeReady(admin: ApiAccess): Promise<boolean> {
  const res = await apiRequest(admin, 'GET', `/api/v1/nodes/${REAL_NODE_NAME}`);
  const conditions = (res.body as { status?: { conditions?: { type: string; status: string }[] } } | undefined)?.status?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Unmounts whatever the kubelet and containerd left mounted under `dir` (volumes, sandbox shm), deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) await run('umount', ['-l', point]).catch(() => {});
}

/** The steps that undo a start, in reverse order; each one runs even when an earlier one fails. */
class Teardown {
  private steps: (() => Promise<unknown>)[] = [];
  add(step: () => Promise<unknown>): void {
    this.steps.unshift(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps) await step().catch(() => {});
  }
}

/** Starts containerd and the kubelet; resolves once the Node is Ready. */
export async function startRealNode(options: RealNodeOptions): Promise<RealNode> {
  const log = options.log ?? (() => {});
  const { kubelet: binary, tarballs } = await prepareRealNode(log);
  const teardown = new Teardown();
  try {
    const network: PodNetwork = await createPodNetwork(options.dir);
    teardown.add(() => deletePodNetwork(network));
    teardown.add(() => unmountUnder(options.dir));
    const { natsPort, mongoPort, apiPort } = options.exposed;
    const forwarders: Forwarder[] = [
      await forward(network.gateway, natsPort, natsPort),
      await forward(network.gateway, mongoPort, mongoPort),
      await forward(API_SERVICE_IP, 443, apiPort),
    ];
    teardown.add(() => Promise.all(forwarders.map((f) => f.close())));
    const dns = await startClusterDns(network.gateway, options.admin);
    teardown.add(() => dns.close());

    const cgroupRoot = await createCgroup(`inet-swarm-${network.bridge}`);
    teardown.add(() => removeCgroup(cgroupRoot));

    const containerd: Containerd = await startContainerd(join(options.dir, 'containerd'), PAUSE_IMAGE, cniConfList(network, join(options.dir, 'cni-ipam')));
    teardown.add(() => containerd.stop());
    await importImages({ containerdSocket: containerd.paths.socket }, tarballs);

    const [port, healthzPort] = [await freePort(), await freePort()];
    const kubelet: ManagedProcess = await startKubelet({
      binary,
      dir: join(options.dir, 'kubelet'),
      nodeName: REAL_NODE_NAME,
      labels: realNodeLabels(),
      nodeIP: network.gateway,
      settings: { runtimeSocket: containerd.paths.socket, address: network.gateway, port, healthzPort, cgroupRoot, clientCaFile: options.clientCaFile, taints: realNodeTaints(), clusterDns: dns.address },
      api: { server: options.admin.server, caPem: options.admin.caPem, token: options.nodeToken },
    });
    // Stop the kubelet first, then have the runtime stop and remove every pod (network, mounts) while it still runs.
    teardown.add(() => run(binary, ['remove-pods', `unix://${containerd.paths.socket}`], { timeout: 120_000 }));
    teardown.add(() => kubelet.stop(10_000));
    await kubelet.waitReady(() => nodeReady(options.admin), 120_000, 500);

    const info: RealNodeInfo = {
      name: REAL_NODE_NAME,
      containerdSocket: containerd.paths.socket,
      gateway: network.gateway,
      fromPods: {
        natsUrl: `nats://${network.gateway}:${natsPort}`,
        mongoHostPort: `${network.gateway}:${mongoPort}`,
        apiServer: `https://${API_SERVICE_IP}:443`,
      },
      images: { pause: PAUSE_IMAGE, busybox: BUSYBOX_IMAGE },
      logFiles: { kubelet: kubelet.options.logFile, containerd: containerd.logFile },
    };
    return { info, stop: () => teardown.run() };
  } catch (err) {
    await teardown.run();
    throw err;
  }
}
