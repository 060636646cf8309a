// The local stack of real servers that the integration tests, benchmarks and
// the demo run against: a Kubernetes control plane with kwok nodes, NATS with
// JetStream, a MongoDB-wire server, moto and distccd, all on loopback with
// free ports in one temporary directory; optionally a real node (kubelet and
// containerd, ./node/node.ts) whose pods reach NATS, the MongoDB-wire server
// and the API server through the pod network's addresses.
import { helmBinary, hadolintBinary } from './helm.ts';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheRoot } from './cache.ts';
import { startDistcc } from './servers/distcc.ts';
import { ferretdbBinary, startMongo } from './servers/mongo.ts';
import { ensureMoto, startMoto } from './servers/moto.ts';
import { natsServerBinary, startNats } from './servers/nats.ts';
import { kubeBinary, startKube } from './servers/kube.ts';
import { defaultNodeSets, kwokBinary, kwokStagesFile, startKwok } from './servers/kwok.ts';
import { ensureDebianPackages } from './system-packages.ts';
import { kubeletClientPki } from './node/pki.ts';
import { REAL_NODE_NAME, prepareRealNode, startRealNode, type RealNode } from './node/node.ts';
import type { StackInfo } from './types.ts';

export interface StackOptions {
  /** Directory for all data and logs; a new temporary directory when absent (removed by stop()). */
  dir?: string;
  /** Number of kwok runner nodes (16 CPU / 64Gi each); default 3. */
  runnerNodes?: number;
  /** Also start a real node (kubelet + containerd) beside the kwok nodes; needs root. */
  realNode?: boolean;
  /** Receives progress and timing lines; silent when absent. */
  log?: (line: string) => void;
}

export interface RunningStack {
  info: StackInfo;
  /** Stops every server and removes the stack's directory if the stack created it. */
  stop(): Promise<void>;
}

/**
 * Builds (or finds in the cache) every Go binary the stack needs, one after
 * the other: on a cold cache these are heavy builds, and two cores do not get
 * faster by running them at once.
 */
export async function buildBinaries(log: (line: string) => void = () => {}): Promise<void> {
  const builds: [string, () => Promise<unknown>][] = [
    ['inet-swarm-k8s', () => kubeBinary(log)],
    ['kwok', () => kwokBinary(log)],
    ['kwok-stages', () => kwokStagesFile(log)],
    ['nats-server', () => natsServerBinary(log)],
    ['ferretdb', () => ferretdbBinary(log)],
  ];
  for (const [name, build] of builds) {
    const t = Date.now();
    await build();
    log(`Built ${name} in ${Date.now() - t} ms`);
  }
}

/**
 * Everything `buildBinaries` does, plus the servers installed from package
 * managers (moto from PyPI, distcc from Debian). startStack leaves those to
 * the servers' own start functions, which install them when missing; checking
 * them here costs seconds on every start.
 */
export async function prepareAll(log: (line: string) => void = () => {}, options: { realNode?: boolean } = {}): Promise<void> {
  await buildBinaries(log);
  let t = Date.now();
  if (options.realNode) {
    await prepareRealNode(log);
    log(`Prepared the real node (kubelet, images, containerd) in ${Date.now() - t} ms`);
    t = Date.now();
  }
  await mkdir(cacheRoot(), { recursive: true });
  await ensureMoto(cacheRoot(), log);
  log(`Installed moto in ${Date.now() - t} ms`);
  t = Date.now();
  await ensureDebianPackages(['distcc', 'gcc', 'shellcheck'], log);
  log(`Installed distcc and shellcheck in ${Date.now() - t} ms`);
  // The chart tests need helm and hadolint; building them here keeps the
  // slow cold builds out of the tests' own time limits.
  t = Date.now();
  await helmBinary(log);
  await hadolintBinary(log);
  log(`Prepared helm and hadolint in ${Date.now() - t} ms`);
}

interface Started<T> {
  value: T;
  stop: () => Promise<void>;
}

/**
 * Starts the whole stack: builds first, then the independent servers in
 * parallel (kwok after the control plane it registers with). If any server
 * fails, stops the ones that did start and rethrows its error (a
 * StackServerError with name, command and log tail).
 */
export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'inet-swarm-stack-')));
  await mkdir(dir, { recursive: true });
  const t0 = Date.now();

  await buildBinaries(log);
  if (options.realNode) await prepareRealNode(log);

  const timed = async <T extends { stop(): Promise<void> }>(name: string, start: () => Promise<T>): Promise<Started<T>> => {
    const t = Date.now();
    const value = await start();
    log(`Started ${name} in ${Date.now() - t} ms`);
    return { value, stop: () => value.stop() };
  };

  const nodeNames = options.realNode ? [REAL_NODE_NAME] : [];
  const kubeletPki = options.realNode ? await kubeletClientPki(join(dir, 'node', 'pki')) : undefined;
  const kube = timed('kubernetes', () => startKube({ dir: join(dir, 'kube'), nodeNames, kubeletClient: kubeletPki, log }));
  const kwok = kube.then((k) =>
    timed('kwok', () =>
      startKwok({
        dir: join(dir, 'kwok'),
        api: k.value,
        kubeconfig: k.value.kubeconfig,
        nodeSets: defaultNodeSets(options.runnerNodes ?? 3),
        log,
      }),
    ),
  );
  const nats = timed('nats-server', () => startNats({ dir: join(dir, 'nats'), onProgress: log }));
  const mongo = timed('ferretdb', () => startMongo({ dir: join(dir, 'mongo'), onProgress: log }));
  const moto = timed('moto', () => startMoto({ dir: join(dir, 'moto'), onProgress: log }));
  const distcc = timed('distccd', () => startDistcc({ dir: join(dir, 'distcc'), count: 2, onProgress: log }));

  const real = options.realNode ? startRealNodeOf(dir, kubeletPki?.caFile ?? '', kube, nats, mongo, timed, log) : Promise.resolve(undefined);

  const [realResult, ...results] = await Promise.allSettled([real, kube, kwok, nats, mongo, moto, distcc]);
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  // The real node and kwok must stop before the control plane they talk to; the rest in any order.
  const stopAll = async (): Promise<void> => {
    if (realResult.status === 'fulfilled') await realResult.value?.stop().catch(() => {});
    const kwokStarted = results[1].status === 'fulfilled' ? results[1].value : undefined;
    if (kwokStarted) await kwokStarted.stop().catch(() => {});
    await Promise.all(started.filter((s) => s !== kwokStarted).map((s) => s.stop().catch(() => {})));
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };

  const failed = [realResult, ...results].find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  const [k, w, n, m, a, d] = [await kube, await kwok, await nats, await mongo, await moto, await distcc];

  const info: StackInfo = {
    dir,
    kubeconfig: k.value.kubeconfig,
    k8sBinary: k.value.binary,
    nodes: w.value.nodes,
    nats: { url: n.value.url, creds: n.value.creds, signer: n.value.signer },
    mongo: { uri: m.value.uri },
    moto: { endpoint: a.value.endpoint, region: a.value.region },
    distcc: { hosts: d.value.hosts, logFiles: d.value.logFiles },
    ...(realResult.status === 'fulfilled' && realResult.value ? { realNode: realResult.value.value.info } : {}),
  };
  log(`Started stack in ${Date.now() - t0} ms dir=${dir}`);
  return { info, stop: stopAll };
}

type Timed = <T extends { stop(): Promise<void> }>(name: string, start: () => Promise<T>) => Promise<Started<T>>;

/** The real node, once the servers its pods reach are up (it exposes them on the pod network). */
async function startRealNodeOf(
  dir: string,
  clientCaFile: string,
  kube: Promise<Started<Awaited<ReturnType<typeof startKube>>>>,
  nats: Promise<Started<Awaited<ReturnType<typeof startNats>>>>,
  mongo: Promise<Started<Awaited<ReturnType<typeof startMongo>>>>,
  timed: Timed,
  log: (line: string) => void,
): Promise<Started<RealNode>> {
  const [k, n, m] = [(await kube).value, (await nats).value, (await mongo).value];
  return timed('real node', () =>
    startRealNode({
      dir: join(dir, 'node'),
      admin: { server: k.server, token: k.token, caPem: k.caPem },
      nodeToken: k.nodeTokens[REAL_NODE_NAME] ?? '',
      clientCaFile,
      exposed: { natsPort: n.port, mongoPort: m.port, apiPort: Number(new URL(k.server).port) },
      log,
    }),
  );
}
