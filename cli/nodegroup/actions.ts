// The actions of `inet-swarm cluster status|halt|resume`: the EKS runner
// nodegroup seen and sized by hand through the same AWS adapter the
// operator's capacity manager uses, with Kubernetes asked what runs on it.
// Each returns data (data/nodegroup.ts); the command prints it.
import type { KubeConfig } from '@kubernetes/client-node';
import type { NodegroupRef } from '../../lib/aws/eks.ts';
import { createCapacityAws, type AwsSettings, type CapacityAws } from '../../lib/aws/nodegroups.ts';
import { defaultCapacityConfig } from '../../lib/capacity/config.ts';
import { kubernetesDemandObserver } from '../../lib/capacity/observe.ts';
import { capacityStatusName, readCapacityStatus } from '../../lib/capacity/status.ts';
import { PermanentError, TemporaryError } from '../../lib/errors.ts';
import { decideHalt, decideResume, RESUME_NOTE, type ClusterScaleResult, type ClusterStatusResult, type HaltCheck } from '../data/nodegroup.ts';
import { CliError, UsageError } from '../errors.ts';
import { loadKubeConfig } from '../kube/connect.ts';

/** The nodegroup a command acts on and how to reach AWS, from the flags or the environment. */
export interface NodegroupTarget {
  ref: NodegroupRef;
  settings: AwsSettings;
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

/** The Kubernetes side of an action: which context, where the operator and the runners are. */
export interface KubeSide {
  context?: string | undefined;
  operatorNamespace?: string | undefined;
  /** Check only this namespace for busy runner pods (a namespaced install). */
  runnerNamespace?: string | undefined;
}

function kubeConfigOf(deps: ClusterDeps, context: string | undefined): Promise<KubeConfig | undefined> {
  return deps.loadKubeConfig ? deps.loadKubeConfig(context) : loadKubeConfig(deps.env ?? process.env, context);
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

/** Runs `work` with an AWS adapter for the target and releases it afterwards. */
async function withAws<T>(target: NodegroupTarget, deps: ClusterDeps, work: (adapter: CapacityAws) => Promise<T>): Promise<T> {
  const adapter = (deps.createAws ?? createCapacityAws)(target.ref, target.settings);
  try {
    return await work(adapter);
  } finally {
    adapter.destroy();
  }
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The operator's capacity status ConfigMap, or why it could not be read. */
async function operatorStatus(kube: KubeSide, deps: ClusterDeps): Promise<ClusterStatusResult['operator']> {
  try {
    const kc = await kubeConfigOf(deps, kube.context);
    if (!kc) return { unavailable: 'no kubeconfig' };
    const namespace = kube.operatorNamespace ?? defaultCapacityConfig.namespace;
    const status = await readCapacityStatus(kc, namespace, capacityStatusName);
    if (status) return { status };
    return { unavailable: `no ConfigMap ${namespace}/${capacityStatusName} (operator not running on EKS, or capacity manager off)` };
  } catch (err) {
    return { unavailable: errorText(err) };
  }
}

/** `cluster status`: the nodegroup as EKS reports it, its cost guard, and the operator's capacity status if reachable. */
export async function clusterStatus(target: NodegroupTarget, kube: KubeSide, deps: ClusterDeps = {}): Promise<ClusterStatusResult> {
  return withAws(target, deps, async (adapter) => {
    const nodegroup = await aws(() => adapter.describeNodegroup());
    const instanceType = nodegroup.instanceTypes[0] ?? '';
    const vcpus = instanceType ? await adapter.instanceVcpus(instanceType).catch(() => undefined) : undefined;
    // A user without the cloudwatch: or autoscaling: read actions still sees the rest.
    const guard = await adapter
      .describeCostGuard(nodegroup.autoScalingGroups[0])
      .then((view) => ({ view }))
      .catch((err: unknown) => ({ unavailable: errorText(err) }));
    const operator = await operatorStatus(kube, deps);
    return { kind: 'status', nodegroup, instanceType, ...(vcpus === undefined ? {} : { vcpus }), operator, guard };
  });
}

/** What runs on the runner pool now, or why Kubernetes could not say. */
async function checkDemand(kube: KubeSide, deps: ClusterDeps): Promise<HaltCheck> {
  try {
    const kc = await kubeConfigOf(deps, kube.context);
    if (!kc) throw new Error('no kubeconfig');
    const demand = await kubernetesDemandObserver(kc, {
      runnerNodeSelector: defaultCapacityConfig.runnerNodeSelector,
      defaultRunCpu: defaultCapacityConfig.defaultRunCpu,
      defaultBuildCpu: defaultCapacityConfig.defaultBuildCpu,
      ...(kube.runnerNamespace ? { namespace: kube.runnerNamespace } : {}),
    })();
    return { demand };
  } catch (err) {
    return { error: errorText(err) };
  }
}

/**
 * `cluster halt`: scales the runner nodegroup to zero now. Refuses while
 * runner or builder pods run on it unless forced, and when it cannot check,
 * says so (data/nodegroup.ts decideHalt).
 */
export async function clusterHalt(target: NodegroupTarget, kube: KubeSide & { force?: boolean | undefined }, deps: ClusterDeps = {}): Promise<ClusterScaleResult> {
  const decision = decideHalt(await checkDemand(kube, deps), kube.force === true, target.ref.nodegroupName);
  if (decision.kind === 'refuse') throw new CliError(decision.message);
  return withAws(target, deps, async (adapter) => {
    const before = await aws(() => adapter.describeNodegroup());
    await aws(() => adapter.setScaling({ desiredSize: 0, minSize: 0 }));
    return { kind: 'halt', cluster: target.ref.clusterName, nodegroup: target.ref.nodegroupName, from: before.desiredSize, to: 0, notes: decision.notes };
  });
}

/** `cluster resume [--nodes N]`: sets the desired size to N (default: the minimum, at least 1). */
export async function clusterResume(target: NodegroupTarget, nodes: number | undefined, deps: ClusterDeps = {}): Promise<ClusterScaleResult> {
  return withAws(target, deps, async (adapter) => {
    const before = await aws(() => adapter.describeNodegroup());
    const decision = decideResume(before, nodes, target.ref);
    if (decision.kind === 'refuse') throw new UsageError(decision.message);
    await aws(() => adapter.setScaling({ desiredSize: decision.desiredSize, minSize: decision.minSize }));
    const { clusterName, nodegroupName } = target.ref;
    return { kind: 'resume', cluster: clusterName, nodegroup: nodegroupName, from: before.desiredSize, to: decision.desiredSize, notes: [RESUME_NOTE] };
  });
}
