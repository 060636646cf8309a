// The results service of a test: the real program (service/main.ts) as a
// child process on this machine, registered with the stack's API server as
// the aggregated API it is in a cluster: an APIService naming a Service whose
// endpoint is this machine's address (the API server routes to endpoints),
// with a serving certificate made for that address. Users then reach it only
// through the API server, as they would on EKS. One APIService per group can
// exist in a cluster, so a test file registers it in `before` and removes it
// in `after` (a stale, unreachable APIService would stop namespace deletion).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { request, type RequestOptions } from 'node:https';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiregistrationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { RESULTS_GROUP, RESULTS_VERSION } from '../../api/results.ts';
import { freePort } from '../stack/process.ts';
import type { StackInfo } from '../stack/types.ts';
import { REPO_ROOT } from './campaign.ts';
import { eventually, notYet } from './eventually.ts';

const run = promisify(execFile);

export interface ResultsService {
  /** The port it listens on at hostAddress(). */
  port: number;
  /** The service's process, e.g. to read its memory. */
  process: ChildProcess;
  /** Its log so far. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** This machine's first non-loopback IPv4 address: an endpoint may not be a loopback one. */
export function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const addr of list ?? []) if (addr.family === 'IPv4' && !addr.internal) return addr.address;
  }
  throw new Error('no non-loopback IPv4 address: the API server cannot reach a service on this machine');
}

async function servingCertificate(dir: string, ip: string): Promise<{ ca: string }> {
  const p = (name: string): string => join(dir, name);
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...key, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-subj', '/CN=inet-swarm-results-test-ca', '-days', '2']);
  await run('openssl', ['req', ...key, '-keyout', p('tls.key'), '-out', p('tls.csr'), '-subj', '/CN=inet-swarm-results']);
  await writeFile(p('server.ext'), `subjectAltName=IP:${ip},DNS:inet-swarm-results.inet-swarm-results.svc\nextendedKeyUsage=serverAuth\n`);
  await run('openssl', ['x509', '-req', '-in', p('tls.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('tls.crt'), '-days', '2', '-extfile', p('server.ext')]);
  return { ca: await readFile(p('ca.crt'), 'utf8') };
}

/** The namespace of the Service the APIService names. */
export const RESULTS_SERVICE_NAMESPACE = 'inet-swarm-results';
const APISERVICE = `${RESULTS_VERSION}.${RESULTS_GROUP}`;
const RESULTS_READER = 'inet-swarm-results-reader';

/** Starts the service and registers it; resolves once the API server reports the APIService Available. */
export async function startResultsService(stack: StackInfo, env: Record<string, string> = {}): Promise<ResultsService> {
  const kc = new KubeConfig();
  kc.loadFromFile(stack.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const registration = kc.makeApiClient(ApiregistrationV1Api);
  const dir = await mkdtemp(join(tmpdir(), 'inetswarm-results-'));
  const ip = hostAddress();
  const { ca } = await servingCertificate(dir, ip);
  const port = await freePort();
  const logFile = join(dir, 'service.log');
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'service', 'main.ts')], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      KUBECONFIG: stack.kubeconfig,
      INETSWARM_MONGO_URI: stack.mongo.uri,
      INETSWARM_MONGO_DATABASE: env.INETSWARM_MONGO_DATABASE ?? 'inetswarm',
      INETSWARM_RESULTS_TLS_DIR: dir,
      INETSWARM_RESULTS_HOST: ip,
      INETSWARM_RESULTS_PORT: String(port),
      INETSWARM_LOG_LEVEL: 'debug',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => chunks.push(c));
  child.stderr?.on('data', (c: Buffer) => chunks.push(c));
  const log = async (): Promise<string> => Buffer.concat(chunks).toString('utf8');

  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const unregister = async (): Promise<void> => {
    await registration.deleteAPIService({ name: APISERVICE }).catch(() => undefined);
    await rbac.deleteClusterRoleBinding({ name: RESULTS_READER }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: RESULTS_READER }).catch(() => undefined);
    await core.deleteNamespace({ name: RESULTS_SERVICE_NAMESPACE }).catch(() => undefined);
  };
  const stop = async (): Promise<void> => {
    await unregister();
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    await writeFile(logFile, await log());
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await unregister();
    await eventually('the last test\'s results namespace is gone', async () =>
      (await core.readNamespace({ name: RESULTS_SERVICE_NAMESPACE }).then(() => false, () => true)) || notYet('terminating'),
    );
    await core.createNamespace({ body: { metadata: { name: RESULTS_SERVICE_NAMESPACE } } });
    const name = 'inet-swarm-results';
    await core.createNamespacedService({ namespace: RESULTS_SERVICE_NAMESPACE, body: { metadata: { name }, spec: { ports: [{ port: 443, targetPort: port as never }] } } });
    await core.createNamespacedEndpoints({
      namespace: RESULTS_SERVICE_NAMESPACE,
      body: { metadata: { name }, subsets: [{ addresses: [{ ip }], ports: [{ port }] }] },
    });
    // As the chart does: the API server lets every authenticated user reach the API; the service decides per
    // namespace (SubjectAccessReview on the CRDs).
    await rbac.createClusterRole({
      body: { metadata: { name: RESULTS_READER }, rules: [{ apiGroups: [RESULTS_GROUP], resources: ['*'], verbs: ['get', 'list'] }] },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: RESULTS_READER },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: RESULTS_READER },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }],
      },
    });
    await registration.createAPIService({
      body: {
        metadata: { name: APISERVICE },
        spec: {
          group: RESULTS_GROUP,
          version: RESULTS_VERSION,
          service: { namespace: RESULTS_SERVICE_NAMESPACE, name, port: 443 },
          caBundle: Buffer.from(ca).toString('base64'),
          groupPriorityMinimum: 100,
          versionPriority: 15,
        },
      },
    });
    await eventually('the results APIService is Available', async () => {
      if (child.exitCode !== null) throw new Error(`the results service exited (${child.exitCode}): ${await log()}`);
      const svc = await registration.readAPIService({ name: APISERVICE });
      const available = svc.status?.conditions?.find((c) => c.type === 'Available');
      return available?.status === 'True' ? true : notYet(available?.message ?? 'no condition');
    }, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, process: child, log, stop };
}

/**
 * A kubeconfig file for a ServiceAccount of `namespace` (created here) with a
 * bound token: a user whose rights are what the test grants that account.
 */
export async function serviceAccountKubeconfig(stack: StackInfo, namespace: string, account: string, dir: string): Promise<string> {
  const kc = new KubeConfig();
  kc.loadFromFile(stack.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: account } } }).catch((e: { code?: number }) => {
    if (e.code !== 409) throw e;
  });
  const token = await core.createNamespacedServiceAccountToken({ namespace, name: account, body: { spec: { audiences: [], expirationSeconds: 7200 } } });
  const cluster = kc.getCurrentCluster();
  const ca = cluster?.caData ?? '';
  const file = join(dir, `kubeconfig-${namespace}-${account}`);
  await writeFile(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: stack, cluster: { server: "${cluster?.server ?? ''}", certificate-authority-data: "${ca}" } }]`,
      `users: [{ name: ${account}, user: { token: "${token.status?.token ?? ''}" } }]`,
      `contexts: [{ name: ${account}, context: { cluster: stack, user: ${account}, namespace: ${namespace} } }]`,
      `current-context: ${account}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}

/**
 * GET through the API server as the kubeconfig's user: status, headers and
 * body. With `until`, the body is read only until it holds what `until`
 * accepts (a stream that never ends, such as events), then the request is closed.
 */
export async function getAs(
  kubeconfig: string,
  path: string,
  headers: Record<string, string> = {},
  until?: (body: string) => boolean,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const options: RequestOptions = { headers: { ...headers } };
  await kc.applyToHTTPSOptions(options);
  const url = new URL(`${kc.getCurrentCluster()?.server ?? ''}${path}`);
  return new Promise((resolve, reject) => {
    const req = request(url, { ...options, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      const done = (): void => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        if (until?.(Buffer.concat(chunks).toString('utf8'))) {
          done();
          req.destroy();
        }
      });
      res.on('end', done);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A user whose only rights are to read the campaigns and builds of its own
 * namespace: a ServiceAccount of `namespace` with a Role of get/list/watch on
 * the two resources, as a cluster admin would grant a researcher. Returns its kubeconfig.
 */
export async function campaignReader(stack: StackInfo, namespace: string, account: string, dir: string): Promise<string> {
  const kc = new KubeConfig();
  kc.loadFromFile(stack.kubeconfig);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const name = `${account}-campaign-reader`;
  await rbac.createNamespacedRole({
    namespace,
    body: { metadata: { name }, rules: [{ apiGroups: ['inetswarm.dev'], resources: ['simulationcampaigns', 'inetbuilds'], verbs: ['get', 'list', 'watch'] }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name: account, namespace }] },
  });
  return serviceAccountKubeconfig(stack, namespace, account, dir);
}
