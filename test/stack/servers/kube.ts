// A real Kubernetes control plane for the local stack: etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler, each its own process of the
// cached inet-swarm-k8s multi-binary (test/stack/controlplane), on free
// loopback ports in a temporary directory. No kubelet: kwok (./kwok.ts)
// provides the nodes.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedBinary, inputsKey } from '../cache.ts';
import { ManagedProcess, freePort } from '../process.ts';
import { frontProxyFlags } from './front-proxy.ts';

/** The Kubernetes version the control-plane binary reports. */
export const K8S_VERSION = 'v1.36.3';

const CONTROLPLANE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'controlplane');

/** The ldflags of the control-plane build; part of the cache key. */
export const K8S_LDFLAGS = [
  '-s',
  '-w',
  `-X k8s.io/component-base/version.gitVersion=${K8S_VERSION}`,
  '-X k8s.io/component-base/version.gitMajor=1',
  '-X k8s.io/component-base/version.gitMinor=36',
].join(' ');

/**
 * Returns the path of the control-plane multi-binary, building it when the
 * cache has none for the current go.mod, go.sum, main.go and ldflags. A cold
 * build compiles most of Kubernetes and takes many minutes.
 */
export async function kubeBinary(onProgress?: (line: string) => void): Promise<string> {
  const files = ['go.sum', 'go.mod', 'main.go'].map((f) => join(CONTROLPLANE_DIR, f));
  const key = await inputsKey(files, [K8S_LDFLAGS]);
  return cachedBinary({
    name: 'inet-swarm-k8s',
    key,
    command: (output) => ({
      command: 'go',
      args: ['build', '-trimpath', '-ldflags', K8S_LDFLAGS, '-o', output, './'],
      cwd: CONTROLPLANE_DIR,
    }),
    onProgress,
  });
}

export interface KubeOptions {
  /** Directory for data, certificates, kubeconfig and logs; created if missing. */
  dir: string;
  /** Path of the binary; built or taken from the cache when absent. */
  binary?: string;
  /** Names of real nodes (kubelets) to give a token each: user system:node:NAME in group system:nodes. */
  nodeNames?: string[];
  /** The API server's client certificate for kubelets' APIs (logs, exec), which then reaches them by InternalIP. */
  kubeletClient?: { certFile: string; keyFile: string };
  log?: (line: string) => void;
}

/** A running control plane. */
export interface KubeControlPlane {
  /** Admin kubeconfig (static token in group system:masters). */
  kubeconfig: string;
  /** The multi-binary; `${binary} kubectl --kubeconfig ${kubeconfig}` is kubectl. */
  binary: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** The admin bearer token. */
  token: string;
  /** The bearer token of each of KubeOptions.nodeNames, for its kubelet. */
  nodeTokens: Record<string, string>;
  /** PEM of the CA that signed the API server's serving certificate. */
  caPem: string;
  /** Log file per component. */
  logFiles: Record<string, string>;
  stop(): Promise<void>;
}

/** Options for a GET against a control-plane endpoint over TLS. */
interface GetOptions {
  token?: string;
  ca?: string;
}

/** GETs an https URL; resolves with the status code and body, never rejects on HTTP errors. */
export function httpsGet(url: string, options: GetOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
        ...(options.ca ? { ca: options.ca } : { rejectUnauthorized: false }),
        timeout: 5_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** What an API request needs to reach and authenticate to the API server. */
export interface ApiAccess {
  server: string;
  token: string;
  caPem: string;
}

/**
 * Sends one JSON request to the API server; resolves with the status code and
 * parsed body (undefined when empty or not JSON), never rejects on HTTP errors.
 */
export function apiRequest(
  access: ApiAccess,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${access.server}${path}`,
      {
        method,
        ca: access.caPem,
        headers: {
          authorization: `Bearer ${access.token}`,
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Renders a kubeconfig for one cluster and one token user. */
export function renderKubeconfig(server: string, caPem: string, token: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: inet-swarm-local',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${ca}`,
    'users:',
    '- name: admin',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: inet-swarm-local',
    '  context:',
    '    cluster: inet-swarm-local',
    '    user: admin',
    '    namespace: default',
    'current-context: inet-swarm-local',
    '',
  ].join('\n');
}

/** Extracts the PEM blocks of certificates from a PEM bundle. */
function certificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager and kube-scheduler.
 * Resolves once /readyz is ok and the `default` ServiceAccount exists (which
 * proves the controller-manager runs); on failure stops what did start and
 * rejects with a StackServerError naming the component.
 */
export async function startKube(options: KubeOptions): Promise<KubeControlPlane> {
  const log = options.log ?? (() => {});
  const binary = options.binary ?? (await kubeBinary(log));
  const dir = options.dir;
  const pki = join(dir, 'pki');
  const logs = join(dir, 'logs');
  await mkdir(pki, { recursive: true });
  await mkdir(logs, { recursive: true });

  // Service-account tokens are signed with this key; the controller-manager
  // needs the private half for its token controller.
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const saPub = join(pki, 'sa.pub');
  const saKey = join(pki, 'sa.key');
  await writeFile(saPub, publicKey);
  await writeFile(saKey, privateKey, { mode: 0o600 });

  const token = randomBytes(24).toString('hex');
  const nodeTokens = Object.fromEntries((options.nodeNames ?? []).map((name) => [name, randomBytes(24).toString('hex')]));
  const tokenFile = join(pki, 'tokens.csv');
  // The Node authorizer knows a kubelet by this user and group.
  const nodeLines = Object.entries(nodeTokens).map(([name, t]) => `${t},system:node:${name},node-${name},"system:nodes"\n`);
  await writeFile(tokenFile, [`${token},admin,admin-uid,"system:masters"\n`, ...nodeLines].join(''), { mode: 0o600 });

  const [etcdPort, etcdPeerPort, apiPort, kcmPort, schedPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const server = `https://127.0.0.1:${apiPort}`;
  const logFiles: Record<string, string> = {};
  const started: ManagedProcess[] = [];
  const startComponent = (name: string, args: string[]): ManagedProcess => {
    logFiles[name] = join(logs, `${name}.log`);
    const proc = ManagedProcess.start({ name, command: binary, args: [name, ...args], logFile: logFiles[name], cwd: dir });
    started.push(proc);
    return proc;
  };
  const stop = async (): Promise<void> => {
    // Reverse start order: clients first, etcd last.
    for (const proc of [...started].reverse()) await proc.stop();
  };

  try {
    let t = Date.now();
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = startComponent('etcd', [
      '--name=default',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      // Test data only: durability across power loss is not needed, speed is.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    await etcd.waitReady(async () => {
      const res = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      return res.ok && (await res.text()).includes('"health":"true"');
    }, 30_000);
    log(`Started etcd in ${Date.now() - t} ms url=${etcdUrl}`);

    t = Date.now();
    const certDir = join(pki, 'apiserver');
    const apiserver = startComponent('kube-apiserver', [
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--etcd-servers=${etcdUrl}`,
      `--cert-dir=${certDir}`,
      `--token-auth-file=${tokenFile}`,
      '--authorization-mode=Node,RBAC',
      '--service-cluster-ip-range=10.96.0.0/16',
      `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      '--allow-privileged=true',
      '--profiling=false',
      '--enable-priority-and-fairness=false',
      ...(await frontProxyFlags(join(pki, 'front-proxy'))),
      ...(options.kubeletClient
        ? [
            `--kubelet-client-certificate=${options.kubeletClient.certFile}`,
            `--kubelet-client-key=${options.kubeletClient.keyFile}`,
            // A node's name is not in any DNS here.
            '--kubelet-preferred-address-types=InternalIP',
          ]
        : []),
    ]);
    await apiserver.waitReady(async () => (await httpsGet(`${server}/readyz`, { token })).status === 200, 120_000);
    const caPem = certificates(await readFile(join(certDir, 'apiserver.crt'), 'utf8')).join('\n') + '\n';
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, renderKubeconfig(server, caPem, token), { mode: 0o600 });
    const rootCa = join(pki, 'ca.crt');
    await writeFile(rootCa, caPem);
    log(`Started kube-apiserver in ${Date.now() - t} ms url=${server}`);

    t = Date.now();
    const kcm = startComponent('kube-controller-manager', [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      `--cert-dir=${join(pki, 'kube-controller-manager')}`,
      '--leader-elect=false',
      `--service-account-private-key-file=${saKey}`,
      `--root-ca-file=${rootCa}`,
      '--use-service-account-credentials=false',
      '--profiling=false',
    ]);
    const scheduler = startComponent('kube-scheduler', [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${schedPort}`,
      `--cert-dir=${join(pki, 'kube-scheduler')}`,
      '--leader-elect=false',
      '--profiling=false',
    ]);
    await Promise.all([
      kcm.waitReady(async () => {
        if ((await httpsGet(`https://127.0.0.1:${kcmPort}/healthz`)).status !== 200) return false;
        // The ServiceAccount controller creating `default` shows the controllers really run.
        const sa = await httpsGet(`${server}/api/v1/namespaces/default/serviceaccounts/default`, { token, ca: caPem });
        return sa.status === 200;
      }, 60_000),
      scheduler.waitReady(async () => (await httpsGet(`https://127.0.0.1:${schedPort}/healthz`)).status === 200, 60_000),
    ]);
    log(`Started kube-controller-manager and kube-scheduler in ${Date.now() - t} ms`);

    return { kubeconfig, binary, server, token, nodeTokens, caPem, logFiles, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
