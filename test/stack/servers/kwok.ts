// Fake nodes for the local stack: kwok plays the kubelet for Node objects we
// create (annotated `kwok.x-k8s.io/node=fake`): it makes them Ready, keeps
// their leases fresh, and moves pods bound to them to Running. No process
// runs in such a pod: a test that needs the work done runs the pod
// template's command itself.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cachedBinary, goInstalledBinary, inputsKey } from '../cache.ts';
import { ManagedProcess, StackServerError, freePort } from '../process.ts';
import { apiRequest, type ApiAccess } from './kube.ts';

/** The kwok release built with `go install`; v0.8.0 targets Kubernetes 0.36 and Go 1.26. */
export const KWOK_VERSION = 'v0.8.0';
const KWOK_MODULE = 'sigs.k8s.io/kwok';

/** The annotation kwok is told to manage nodes by. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

/**
 * kwok's own stage files (they ship in its module, not in the binary, and
 * the binary refuses to start without stages). pod-complete, which turns a
 * Job's Running pods Succeeded at once, is left out by default: a Job's pods
 * must stay Running until a test finishes their work.
 */
const STAGE_FILES = {
  node: ['kustomize/stage/node/fast/node-initialize.yaml', 'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml'],
  pod: ['kustomize/stage/pod/fast/pod-ready.yaml', 'kustomize/stage/pod/fast/pod-delete.yaml'],
  podComplete: ['kustomize/stage/pod/fast/pod-complete.yaml'],
};

/** Returns the cached kwok binary, building it with `go install` on a miss. */
export async function kwokBinary(onProgress?: (line: string) => void): Promise<string> {
  return goInstalledBinary({
    name: 'kwok',
    key: await inputsKey([], [KWOK_VERSION, '-trimpath -ldflags=-s -w']),
    pkg: `${KWOK_MODULE}/cmd/kwok@${KWOK_VERSION}`,
    flags: ['-trimpath', '-ldflags=-s -w'],
    onProgress,
  });
}

/**
 * Returns a cached file holding kwok's default stages for one release (all
 * of them, pod-complete last, separated so that it can be dropped).
 */
export async function kwokStagesFile(onProgress?: (line: string) => void): Promise<string> {
  const files = [...STAGE_FILES.node, ...STAGE_FILES.pod, ...STAGE_FILES.podComplete];
  return cachedBinary({
    name: 'kwok-stages',
    key: await inputsKey([], [KWOK_VERSION, ...files]),
    command: (output) => ({
      command: 'sh',
      args: [
        '-c',
        'set -e; out="$1"; mod="$2"; shift 2; dir="$(go mod download -json "$mod" | sed -n \'s/^\\s*"Dir": "\\(.*\\)",$/\\1/p\')"; ' +
          'for f in "$@"; do echo "---"; cat "$dir/$f"; done > "$out"',
        'sh',
        output,
        `${KWOK_MODULE}@${KWOK_VERSION}`,
        ...files,
      ],
      cwd: '/',
    }),
    onProgress,
  });
}

/** A group of identical fake nodes. */
export interface NodeSet {
  /** Node names are `${namePrefix}-${index}`. */
  namePrefix: string;
  count: number;
  /** Quantities as Kubernetes writes them, e.g. '16', '64Gi'. */
  cpu: string;
  memory: string;
  pods?: number;
  labels: Record<string, string>;
  taints: { key: string; value: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  /** Which StackInfo.nodes list the names go to. */
  pool: 'runner' | 'system';
}

/** The project's node conventions: runner nodes labelled and tainted for the pool, an untainted system node. */
export function defaultNodeSets(runnerNodes = 3): NodeSet[] {
  return [
    {
      namePrefix: 'kwok-runner',
      count: runnerNodes,
      cpu: '16',
      memory: '64Gi',
      labels: { 'inetswarm.dev/pool': 'runner', 'node.kubernetes.io/instance-type': 'c6i.4xlarge' },
      taints: [{ key: 'inetswarm.dev/pool', value: 'runner', effect: 'NoSchedule' }],
      pool: 'runner',
    },
    {
      namePrefix: 'kwok-system',
      count: 1,
      cpu: '4',
      memory: '16Gi',
      labels: { 'inetswarm.dev/pool': 'system', 'node.kubernetes.io/instance-type': 'm6i.xlarge' },
      taints: [],
      pool: 'system',
    },
  ];
}

/** The Node object kwok will manage for one member of a node set. */
export function nodeManifest(set: NodeSet, index: number): Record<string, unknown> {
  const name = `${set.namePrefix}-${index}`;
  const resources = { cpu: set.cpu, memory: set.memory, pods: String(set.pods ?? 110) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': name,
        type: 'kwok',
        ...set.labels,
      },
    },
    spec: { taints: set.taints },
    status: { allocatable: resources, capacity: resources },
  };
}

export interface KwokOptions {
  dir: string;
  /** The control plane to register nodes with. */
  api: ApiAccess;
  kubeconfig: string;
  nodeSets?: NodeSet[];
  /** Let kwok's pod-complete stage finish a Job's pods at once (off by default). */
  completeJobPods?: boolean;
  log?: (line: string) => void;
}

export interface KwokNodes {
  nodes: { runner: string[]; system: string[] };
  logFile: string;
  stop(): Promise<void>;
}

interface NodeStatus {
  metadata?: { name?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

function isReady(node: NodeStatus): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Creates the nodes of `nodeSets`, starts kwok to manage them, and resolves
 * once every node is Ready. Stopping kwok leaves the Node objects (the
 * control plane goes away with the stack).
 */
export async function startKwok(options: KwokOptions): Promise<KwokNodes> {
  const log = options.log ?? (() => {});
  const [binary, stagesAll] = await Promise.all([kwokBinary(log), kwokStagesFile(log)]);
  await mkdir(join(options.dir, 'logs'), { recursive: true });
  const sets = options.nodeSets ?? defaultNodeSets();

  // Drop pod-complete (the last document) unless asked for.
  const docs = (await readFile(stagesAll, 'utf8')).split(/^---$/m).filter((d) => d.trim() !== '');
  const stages = options.completeJobPods ? docs : docs.filter((d) => !/name:\s*pod-complete\b/.test(d));
  const stagesFile = join(options.dir, 'kwok-stages.yaml');
  await writeFile(stagesFile, stages.map((d) => `---\n${d.trim()}\n`).join(''));

  const nodes: KwokNodes['nodes'] = { runner: [], system: [] };
  for (const set of sets) {
    for (let i = 0; i < set.count; i++) {
      const manifest = nodeManifest(set, i);
      const res = await apiRequest(options.api, 'POST', '/api/v1/nodes', manifest);
      if (res.status !== 201 && res.status !== 409) {
        throw new StackServerError('kwok', `POST /api/v1/nodes ${set.namePrefix}-${i}`, JSON.stringify(res.body), `could not create its node (status ${res.status})`);
      }
      nodes[set.pool].push(`${set.namePrefix}-${i}`);
    }
  }

  const port = await freePort();
  const logFile = join(options.dir, 'logs', 'kwok.log');
  const proc = ManagedProcess.start({
    name: 'kwok',
    command: binary,
    args: [
      `--kubeconfig=${options.kubeconfig}`,
      `--config=${stagesFile}`,
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
      `--server-address=127.0.0.1:${port}`,
      `--node-port=${port}`,
      '--node-ip=127.0.0.1',
    ],
    logFile,
    cwd: options.dir,
  });
  const all = [...nodes.runner, ...nodes.system];
  try {
    await proc.waitReady(async () => {
      const res = await apiRequest(options.api, 'GET', '/api/v1/nodes');
      const items = ((res.body as { items?: NodeStatus[] } | undefined)?.items ?? []).filter(isReady);
      const ready = new Set(items.map((n) => n.metadata?.name));
      return all.every((name) => ready.has(name));
    }, 60_000);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { nodes, logFile, stop: () => proc.stop() };
}
