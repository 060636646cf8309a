// `inet-swarm cluster status|halt|resume`: the EKS runner nodegroup seen and
// sized by hand, through the same AWS adapter the operator's capacity manager
// uses. Each action returns data; printing is separate (text or --json).
import { Command, Option } from 'commander';
import type { KubeConfig } from '@kubernetes/client-node';
import { PermanentError, TemporaryError } from '../../lib/errors.ts';
import { text } from '../../lib/config.ts';
import type { NodegroupRef, NodegroupState } from '../../lib/aws/eks.ts';
import { createCapacityAws, type AwsSettings, type CapacityAws } from '../../lib/aws/nodegroups.ts';
import { defaultCapacityConfig } from '../../lib/capacity/config.ts';
import { kubernetesDemandObserver, type ObservedDemand } from '../../lib/capacity/observe.ts';
import { capacityStatusName, readCapacityStatus, type CapacityStatus } from '../../lib/capacity/status.ts';
import { kubeconfigPaths } from '../kube/connect.ts';
import { CliError, UsageError } from '../errors.ts';

/** Options shared by the cluster subcommands (flags, else environment). */
export interface ClusterOptions {
  cluster?: string | undefined;
  nodegroup?: string | undefined;
  region?: string | undefined;
  endpoint?: string | undefined;
  json?: boolean | undefined;
  context?: string | undefined;
  operatorNamespace?: string | undefined;
  /** Check only this namespace for busy runner pods (a namespaced install). */
  runnerNamespace?: string | undefined;
}

/** What the cluster commands need from outside; tests pass their own streams and environment. */
export interface ClusterDeps {
  stdout?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  /** Builds the AWS adapter; defaults to the real one. */
  createAws?: (ref: NodegroupRef, settings: AwsSettings) => CapacityAws;
  /** Loads the kubeconfig; undefined means no cluster is configured. */
  loadKubeConfig?: (context: string | undefined) => Promise<KubeConfig | undefined>;
}

export interface ClusterStatusResult {
  kind: 'status';
  nodegroup: NodegroupState;
  instanceType: string;
  vcpus?: number;
  /** The operator's capacity ConfigMap, or why it could not be read. */
  operator: { status?: Partial<CapacityStatus>; unavailable?: string };
}

export interface ClusterScaleResult {
  kind: 'halt' | 'resume';
  cluster: string;
  nodegroup: string;
  from: number;
  to: number;
  notes: string[];
}

export type ClusterResult = ClusterStatusResult | ClusterScaleResult;

async function defaultLoadKubeConfig(env: NodeJS.ProcessEnv, context: string | undefined): Promise<KubeConfig | undefined> {
  const files = kubeconfigPaths(env);
  if (files.length === 0) return undefined;
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (files.length === 1) kc.loadFromFile(files[0] ?? '');
  else kc.loadFromDefault();
  if (context !== undefined) kc.setCurrentContext(context);
  return kc;
}

function resolveTarget(opts: ClusterOptions, env: NodeJS.ProcessEnv): { ref: NodegroupRef; settings: AwsSettings } {
  const clusterName = opts.cluster ?? text(env, 'INETSWARM_EKS_CLUSTER');
  const nodegroupName = opts.nodegroup ?? text(env, 'INETSWARM_EKS_NODEGROUP');
  if (!clusterName || !nodegroupName) {
    throw new UsageError(
      'Name the EKS cluster and runner nodegroup: --cluster <name> --nodegroup <name> ' +
        '(or set INETSWARM_EKS_CLUSTER and INETSWARM_EKS_NODEGROUP).',
    );
  }
  const region = opts.region ?? text(env, 'AWS_REGION') ?? text(env, 'AWS_DEFAULT_REGION');
  const endpoint = opts.endpoint ?? text(env, 'INETSWARM_AWS_ENDPOINT');
  return {
    ref: { clusterName, nodegroupName },
    settings: { ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}), maxAttempts: 4 },
  };
}

// AWS failures reach the user as CliErrors with the adapter's message, which
// already names the missing permission or the missing nodegroup.
async function aws<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof PermanentError || err instanceof TemporaryError) throw new CliError(err.message, { cause: err });
    throw err;
  }
}

/** `cluster status`: the nodegroup as EKS reports it and the operator's capacity status if reachable. */
export async function clusterStatus(opts: ClusterOptions, deps: ClusterDeps = {}): Promise<ClusterStatusResult> {
  const env = deps.env ?? process.env;
  const { ref, settings } = resolveTarget(opts, env);
  const adapter = (deps.createAws ?? createCapacityAws)(ref, settings);
  try {
    const nodegroup = await aws(() => adapter.describeNodegroup());
    const instanceType = nodegroup.instanceTypes[0] ?? '';
    const vcpus = instanceType ? await adapter.instanceVcpus(instanceType).catch(() => undefined) : undefined;
    const operator: ClusterStatusResult['operator'] = {};
    try {
      const kc = await (deps.loadKubeConfig ?? ((c) => defaultLoadKubeConfig(env, c)))(opts.context);
      if (!kc) operator.unavailable = 'no kubeconfig';
      else {
        const namespace = opts.operatorNamespace ?? defaultCapacityConfig.namespace;
        const status = await readCapacityStatus(kc, namespace, capacityStatusName);
        if (status) operator.status = status;
        else operator.unavailable = `no ConfigMap ${namespace}/${capacityStatusName} (operator not running on EKS, or capacity manager off)`;
      }
    } catch (err) {
      operator.unavailable = err instanceof Error ? err.message : String(err);
    }
    return { kind: 'status', nodegroup, instanceType, ...(vcpus === undefined ? {} : { vcpus }), operator };
  } finally {
    adapter.destroy();
  }
}

/**
 * `cluster halt`: scales the runner nodegroup to zero now. Refuses while
 * runner or builder pods run on it (their runs would be lost and retried)
 * unless forced, and when it cannot check, says so.
 */
export async function clusterHalt(opts: ClusterOptions & { force?: boolean }, deps: ClusterDeps = {}): Promise<ClusterScaleResult> {
  const env = deps.env ?? process.env;
  const { ref, settings } = resolveTarget(opts, env);
  const notes: string[] = [];
  let demand: ObservedDemand | undefined;
  try {
    const kc = await (deps.loadKubeConfig ?? ((c) => defaultLoadKubeConfig(env, c)))(opts.context);
    if (!kc) throw new Error('no kubeconfig');
    demand = await kubernetesDemandObserver(kc, {
      runnerNodeSelector: defaultCapacityConfig.runnerNodeSelector,
      defaultRunCpu: defaultCapacityConfig.defaultRunCpu,
      defaultBuildCpu: defaultCapacityConfig.defaultBuildCpu,
      ...(opts.runnerNamespace ? { namespace: opts.runnerNamespace } : {}),
    })();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (!opts.force) {
      throw new CliError(
        `Could not check for busy runners in Kubernetes (${why}); nothing was changed. ` +
          'Use --force to scale the nodegroup to zero anyway.',
      );
    }
    notes.push(`Busy runners were not checked: ${why}.`);
  }
  if (demand && demand.runnerPods > 0) {
    if (!opts.force) {
      throw new CliError(
        `${demand.runnerPods} runner or builder pods still run on ${demand.busyNodes} nodes of ${ref.nodegroupName}; ` +
          'halting now would kill them and their runs would be retried later. Nothing was changed. ' +
          'Wait for the campaigns to finish (or cancel them), or use --force.',
      );
    }
    notes.push(`${demand.runnerPods} runner or builder pods were killed; their runs are retried when nodes return.`);
  }
  if (demand && demand.campaigns.length + demand.builds.length > 0) {
    notes.push(
      `${demand.campaigns.length} campaigns and ${demand.builds.length} builds still want capacity: the operator ` +
        'will scale up again unless they are suspended or cancelled.',
    );
  }
  const adapter = (deps.createAws ?? createCapacityAws)(ref, settings);
  try {
    const before = await aws(() => adapter.describeNodegroup());
    await aws(() => adapter.setScaling({ desiredSize: 0, minSize: 0 }));
    return { kind: 'halt', cluster: ref.clusterName, nodegroup: ref.nodegroupName, from: before.desiredSize, to: 0, notes };
  } finally {
    adapter.destroy();
  }
}

/** `cluster resume [--nodes N]`: sets the desired size to N (default: the minimum, at least 1). */
export async function clusterResume(opts: ClusterOptions & { nodes?: number }, deps: ClusterDeps = {}): Promise<ClusterScaleResult> {
  const env = deps.env ?? process.env;
  const { ref, settings } = resolveTarget(opts, env);
  const adapter = (deps.createAws ?? createCapacityAws)(ref, settings);
  try {
    const before = await aws(() => adapter.describeNodegroup());
    const nodes = opts.nodes ?? Math.max(1, before.minSize);
    if (nodes > before.maxSize) {
      throw new UsageError(
        `--nodes ${nodes} is above the nodegroup's maximum ${before.maxSize}; raise it first ` +
          `(aws eks update-nodegroup-config --cluster-name ${ref.clusterName} --nodegroup-name ${ref.nodegroupName} ` +
          `--scaling-config maxSize=${nodes}).`,
      );
    }
    await aws(() => adapter.setScaling({ desiredSize: nodes, minSize: Math.min(before.minSize, nodes) }));
    return {
      kind: 'resume',
      cluster: ref.clusterName,
      nodegroup: ref.nodegroupName,
      from: before.desiredSize,
      to: nodes,
      notes: ['The operator scales the nodegroup down again after its idle timeout if no campaign needs the nodes.'],
    };
  } finally {
    adapter.destroy();
  }
}

/** Human-readable text of a cluster command's result. */
export function formatClusterResult(result: ClusterResult): string {
  if (result.kind !== 'status') {
    const verb = result.kind === 'halt' ? 'Halted' : 'Resumed';
    return [`${verb} ${result.cluster}/${result.nodegroup}: desired size ${result.from} -> ${result.to}`, ...result.notes].join('\n') + '\n';
  }
  const ng = result.nodegroup;
  const lines = [
    `Nodegroup:     ${ng.clusterName}/${ng.nodegroupName} (${ng.status})`,
    `Size:          desired ${ng.desiredSize}, min ${ng.minSize}, max ${ng.maxSize}${ng.updateInProgress ? ' (update in progress)' : ''}`,
    `Instance type: ${result.instanceType || 'unknown'}${result.vcpus === undefined ? '' : ` (${result.vcpus} vCPUs)`}`,
  ];
  const s = result.operator.status;
  if (s) {
    lines.push(
      `Operator:      ${s.reason ?? 'unknown'}: ${s.message ?? ''}`,
      `               needed ${s.neededNodes ?? '?'}, busy ${s.busyNodes ?? '?'}, registered ${s.currentNodes ?? '?'} nodes; ` +
        `${s.queuedRuns ?? '?'} queued, ${s.runningRuns ?? '?'} running runs`,
      `               last activity ${s.lastActivity ?? 'never'}, last change ${s.lastUpdate ?? 'never'}`,
    );
    if (s.ready === 'False') lines.push(`               ${s.condition ?? 'Failed'}: ${s.error ?? ''}`);
  } else {
    lines.push(`Operator:      status unavailable (${result.operator.unavailable ?? 'unknown'})`);
  }
  return lines.join('\n') + '\n';
}

function parseNodes(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--nodes must be a whole number of nodes, got '${value}'`);
  return n;
}

function withTargetOptions(command: Command): Command {
  return command
    .option('--cluster <name>', 'EKS cluster name (default: $INETSWARM_EKS_CLUSTER)')
    .option('--nodegroup <name>', 'runner nodegroup name (default: $INETSWARM_EKS_NODEGROUP)')
    .option('--region <region>', 'AWS region (default: $AWS_REGION)')
    .addOption(new Option('--endpoint <url>', 'AWS endpoint override (testing against moto)').hideHelp())
    .option('--operator-namespace <namespace>', "the operator's namespace", defaultCapacityConfig.namespace)
    .addOption(new Option('--runner-namespace <namespace>', 'check only this namespace for busy runner pods').hideHelp())
    .option('--json', 'print the result as JSON');
}

/** The `cluster` command with its status, halt and resume subcommands. */
export function clusterCommand(deps: ClusterDeps = {}): Command {
  const print = (result: ClusterResult, json: boolean | undefined): void => {
    const out = deps.stdout ?? process.stdout;
    out.write(json ? `${JSON.stringify(result)}\n` : formatClusterResult(result));
  };
  const options = (command: Command): ClusterOptions & { force?: boolean; nodes?: number } =>
    command.optsWithGlobals<ClusterOptions & { force?: boolean; nodes?: number }>();

  const cluster = new Command('cluster').summary('show, halt or resume the EKS runner nodegroup');
  cluster.addCommand(
    withTargetOptions(new Command('status'))
      .summary("show the runner nodegroup's size, instance type and the operator's capacity status")
      .action(async (_opts: unknown, command: Command) => {
        const o = options(command);
        print(await clusterStatus(o, deps), o.json);
      }),
  );
  cluster.addCommand(
    withTargetOptions(new Command('halt'))
      .summary('scale the runner nodegroup to zero now')
      .option('--force', 'halt even while runner or builder pods are running (they are killed)')
      .action(async (_opts: unknown, command: Command) => {
        const o = options(command);
        print(await clusterHalt(o, deps), o.json);
      }),
  );
  cluster.addCommand(
    withTargetOptions(new Command('resume'))
      .summary('scale the runner nodegroup up to N nodes')
      .option('--nodes <n>', "desired number of nodes (default: the nodegroup's minimum, at least 1)", parseNodes)
      .action(async (_opts: unknown, command: Command) => {
        const o = options(command);
        print(await clusterResume(o, deps), o.json);
      }),
  );
  return cluster;
}
