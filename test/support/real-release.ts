// The chart installed onto the stack's real node as a user installs it, for
// the tests whose pods really run: the stack's images imported into the
// node's containerd, the operator Deployment pinned to the real node, the
// runner, builder and distccd pods sent there by the chart's placement values,
// NATS and MongoDB reached through the chart's external options at the
// addresses pods dial (the stack's servers on the pod network's gateway). The
// release watches its own namespace only (rbac.scope=namespaced), so that it
// leaves other test files' campaigns alone on a shared stack. The results
// service (a cluster-wide APIService, one per cluster) is installed only when
// a test asks for it, so that two files never contend for the API group.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { buildImages, imageRef } from '../stack/images.ts';
import { helmBinary, runHelm } from '../stack/helm.ts';
import { importImages } from '../stack/node/local-images.ts';
import { REAL_NODE_LABEL, REAL_NODE_TOLERATIONS, type RealNodeInfo } from '../stack/node/node.ts';
import { freePort } from '../stack/process.ts';
import { eventually, notYet } from './eventually.ts';
import { REPO_ROOT, type CampaignWorld } from './campaign.ts';

/** What a pod needs to land on the real node: its label, its taint's and the runner pool's tolerations. */
const REAL_ONLY = { nodeSelector: { [REAL_NODE_LABEL]: 'real' }, tolerations: REAL_NODE_TOLERATIONS };

export interface RealRelease {
  release: string;
  node: RealNodeInfo;
  /** The stack's image references by name. */
  images: { operator: string; runner: string; builder: string; distccd: string };
  /** The operator's pod (Running and Ready). */
  operatorPod(): Promise<V1Pod>;
  /** The results service's pod (Running and Ready), when installed with `results`. */
  resultsPod(): Promise<V1Pod>;
  uninstall(): Promise<void>;
}

/** The stack's MongoDB URI with the host pods dial instead of loopback. */
function fromPods(uri: string, hostPort: string): string {
  return uri.replace(/@127\.0\.0\.1:\d+\//, `@${hostPort}/`).replace(/\/\/127\.0\.0\.1:\d+\//, `//${hostPort}/`);
}

function splitRef(ref: string): { repository: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
}

/** The chart's values for the real node: every image local, everything of inet-swarm pinned there. */
function values(world: CampaignWorld, node: RealNodeInfo, images: RealRelease['images'], options: InstallOptions): unknown {
  return {
    crds: { install: false },
    operator: {
      image: { ...splitRef(images.operator), pullPolicy: 'Never' },
      replicas: 1,
      database: world.database,
      nodeSelector: REAL_ONLY.nodeSelector,
      tolerations: REAL_NODE_TOLERATIONS,
      extraEnv: Object.entries({ INETSWARM_QUEUE_PREFIX: world.queuePrefix, ...options.extraEnv }).map(([name, value]) => ({ name, value })),
      podDisruptionBudget: { enabled: false },
    },
    // One replica: the node has two cores. It reads the operator's database through the same Secret.
    results: options.results
      ? { enabled: true, replicas: 1, logLevel: 'debug', ...REAL_ONLY, podDisruptionBudget: { enabled: false } }
      : { enabled: false },
    rbac: { scope: 'namespaced', aggregateToDefaultRoles: false },
    nats: { enabled: false, external: { url: node.fromPods.natsUrl, existingSecret: 'stack-nats' } },
    mongodb: { enabled: false, external: { uriSecret: { name: 'stack-mongodb', key: 'uri' } } },
    runner: { image: { template: images.runner }, ...REAL_ONLY },
    builder: { image: { template: images.builder }, distccdImage: images.distccd, ...REAL_ONLY },
    // The stack's CNI bridge enforces no NetworkPolicy: the operator writes the policies as for a user, untested.
    networkPolicy: { enabled: true, externalCIDRs: [`${node.gateway}/32`] },
  };
}

export interface InstallOptions {
  /** More environment of the operator (operator.extraEnv), e.g. a shorter INETSWARM_ACK_WAIT_SECONDS. */
  extraEnv?: Record<string, string>;
  /** Install the results service and its APIService too (results.enabled). */
  results?: boolean;
  log?: (line: string) => void;
}

/** Imports the stack's images into the node, installs the chart into the world's namespace and waits for the operator. */
export async function installOnRealNode(world: CampaignWorld, options: InstallOptions = {}): Promise<RealRelease> {
  const log = options.log ?? (() => {});
  const node = world.stack.realNode;
  if (!node) throw new Error('installOnRealNode needs the stack\'s real node: useStack({ realNode: true })');
  const built = await buildImages(log);
  await importImages(node, Object.values(built));
  const images = { operator: imageRef(built, 'operator'), runner: imageRef(built, 'runner-base'), builder: imageRef(built, 'builder-base'), distccd: imageRef(built, 'distccd') };
  const { nats, mongo } = world.stack;
  await world.core.createNamespacedSecret({ namespace: world.namespace, body: { metadata: { name: 'stack-nats' }, stringData: { account: nats.signer.account, 'signing-key': nats.signer.signingSeed } } });
  await world.core.createNamespacedSecret({ namespace: world.namespace, body: { metadata: { name: 'stack-mongodb' }, stringData: { uri: fromPods(mongo.uri, node.fromPods.mongoHostPort) } } });
  const release = `r${world.tag}`.slice(0, 20);
  const valuesFile = join(world.dir, 'values.json');
  await writeFile(valuesFile, JSON.stringify(values(world, node, images, options)));
  const helm = await helmBinary(log);
  const kubeconfig = world.stack.kubeconfig;
  const installed = await runHelm(helm, ['install', release, join(REPO_ROOT, 'charts/inet-swarm'), '--namespace', world.namespace, '--values', valuesFile], { kubeconfig });
  if (installed.code !== 0) throw new Error(`helm install: ${installed.stderr}${installed.stdout}`);
  const readyPod = (component: string): Promise<V1Pod> =>
    eventually(`the ${component} pod is Ready on the real node`, async () => {
      const pods = await world.core.listNamespacedPod({ namespace: world.namespace, labelSelector: `app.kubernetes.io/instance=${release},app.kubernetes.io/component=${component}` });
      const ready = pods.items.find((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready ?? notYet(pods.items.map((p) => ({ node: p.spec?.nodeName, phase: p.status?.phase, containers: p.status?.containerStatuses })));
    }, 120_000);
  const operatorPod = (): Promise<V1Pod> => readyPod('operator');
  await operatorPod();
  return {
    release,
    node,
    images,
    operatorPod,
    resultsPod: () => readyPod('results'),
    uninstall: async () => {
      await runHelm(helm, ['uninstall', release, '--namespace', world.namespace, '--wait=false'], { kubeconfig });
    },
  };
}

export interface GitDaemon {
  /** The URL of `repo` (a bare repository under the served folder) as pods and this machine clone it. */
  url(repo: string): string;
  stop(): Promise<void>;
}

/** `git daemon` serving `base` read-only on the pod network's gateway, where pods and this machine reach it. */
export async function startGitDaemon(base: string, host: string): Promise<GitDaemon> {
  await mkdir(base, { recursive: true });
  const port = await freePort();
  const child: ChildProcess = spawn('git', ['daemon', '--reuseaddr', `--listen=${host}`, `--port=${port}`, `--base-path=${base}`, '--export-all', '--informative-errors', base], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await eventually(`git daemon listens on ${host}:${port}`, async () => {
    const { connect } = await import('node:net');
    return new Promise<boolean | undefined>((resolve) => {
      const socket = connect({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(undefined));
    });
  });
  return {
    url: (repo) => `git://${host}:${port}/${repo}`,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
