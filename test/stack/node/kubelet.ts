// The real node's kubelet: built from test/stack/kubelet (the control plane's
// Kubernetes module versions) and cached like it, configured for this
// machine (cgroup v1 through cgroupfs, swap on, no systemd) and for a node
// whose address is the pod network's gateway, local to this machine.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedBinary, inputsKey } from '../cache.ts';
import { ManagedProcess } from '../process.ts';
import { K8S_LDFLAGS } from '../servers/kube.ts';
import { CLUSTER_DOMAIN } from './dns.ts';

const KUBELET_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'kubelet');

/** Returns the cached kubelet, building it when the cache has none for its go.mod, go.sum, main.go and ldflags. */
export async function kubeletBinary(onProgress?: (line: string) => void): Promise<string> {
  const files = ['go.sum', 'go.mod', 'main.go'].map((f) => join(KUBELET_DIR, f));
  return cachedBinary({
    name: 'inet-swarm-kubelet',
    key: await inputsKey(files, [K8S_LDFLAGS]),
    command: (output) => ({ command: 'go', args: ['build', '-trimpath', '-ldflags', K8S_LDFLAGS, '-o', output, './'], cwd: KUBELET_DIR }),
    onProgress,
  });
}

export interface Taint {
  key: string;
  value: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface KubeletSettings {
  /** unix socket of containerd's CRI. */
  runtimeSocket: string;
  /** Where the kubelet's API (logs, exec) listens: the node's IP, which the API server dials. */
  address: string;
  port: number;
  healthzPort: number;
  /** The cgroup every pod goes under, unique to this stack (see cgroups.ts). */
  cgroupRoot: string;
  /** The CA of the only client the kubelet's API accepts: the API server. */
  clientCaFile: string;
  taints: Taint[];
  /** The cluster DNS server pods resolve Services with (dns.ts). */
  clusterDns: string;
}

/**
 * The KubeletConfiguration. Its API authenticates by client certificate
 * alone (no anonymous requests, no webhook: the API server's certificate is
 * the only one its CA signed), since pods can reach the address it listens
 * on. Image garbage collection is off: the imported images cannot be pulled
 * again.
 */
export function kubeletConfiguration(settings: KubeletSettings): Record<string, unknown> {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: settings.address,
    port: settings.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: settings.healthzPort,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: false }, x509: { clientCAFile: settings.clientCaFile } },
    authorization: { mode: 'AlwaysAllow' },
    cgroupDriver: 'cgroupfs',
    cgroupRoot: settings.cgroupRoot,
    failCgroupV1: false,
    failSwapOn: false,
    containerRuntimeEndpoint: `unix://${settings.runtimeSocket}`,
    registerWithTaints: settings.taints,
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    // Only a nearly full machine evicts; the defaults (15% disk) would taint a developer's laptop.
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    maxPods: 30,
    resolvConf: '/etc/resolv.conf',
    clusterDNS: [settings.clusterDns],
    clusterDomain: CLUSTER_DOMAIN,
    serializeImagePulls: false,
  };
}

/** The kubelet's kubeconfig: the node's own token (user system:node:NAME, group system:nodes). */
export function kubeletKubeconfig(server: string, caPem: string, token: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'node', user: { token } }],
    contexts: [{ name: 'node', context: { cluster: 'local', user: 'node' } }],
    'current-context': 'node',
  });
}

export interface KubeletStart {
  binary: string;
  dir: string;
  nodeName: string;
  /** The node's InternalIP: an address of this machine that is not loopback (the kubelet refuses loopback). */
  nodeIP: string;
  labels: Record<string, string>;
  settings: KubeletSettings;
  api: { server: string; caPem: string; token: string };
}

/** Writes the kubelet's files under `dir` and starts it; the caller waits for the Node to be Ready. */
export async function startKubelet(start: KubeletStart): Promise<ManagedProcess> {
  await mkdir(join(start.dir, 'root'), { recursive: true });
  const config = join(start.dir, 'kubelet-config.json');
  const kubeconfig = join(start.dir, 'kubeconfig');
  await writeFile(config, JSON.stringify(kubeletConfiguration(start.settings), null, 2));
  await writeFile(kubeconfig, kubeletKubeconfig(start.api.server, start.api.caPem, start.api.token), { mode: 0o600 });
  const labels = Object.entries(start.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return ManagedProcess.start({
    name: 'kubelet',
    command: start.binary,
    args: [
      `--config=${config}`,
      `--kubeconfig=${kubeconfig}`,
      `--root-dir=${join(start.dir, 'root')}`,
      `--cert-dir=${join(start.dir, 'pki')}`,
      `--hostname-override=${start.nodeName}`,
      `--node-ip=${start.nodeIP}`,
      `--node-labels=${labels}`,
      '--v=1',
    ],
    logFile: join(start.dir, 'kubelet.log'),
    cwd: start.dir,
  });
}
