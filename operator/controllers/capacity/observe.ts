// What the capacity controller sees and remembers: informers over campaigns,
// builds, the runner pool's nodes and unfinished pods (caches only: the pass
// runs on its periodic key, not on their events), the demand counted from
// those caches, the nodegroup as EKS describes it, and the state kept across
// passes (read back once from the status ConfigMap so the idle timer survives
// a restart). Types only from the AWS adapter: the SDK loads with act.ts.
import type { KubeConfig, V1Node, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { INET_BUILD, SIMULATION_CAMPAIGN, type InetBuild, type SimulationCampaign } from '../../../api/v1alpha1.ts';
import { PermanentError } from '../../../lib/errors.ts';
import type { GroupState } from '../../../lib/aws/autoscaling.ts';
import type { NodegroupState } from '../../../lib/aws/eks.ts';
import type { CapacityAws } from '../../../lib/aws/nodegroups.ts';
import type { CapacityConfig } from '../../../lib/capacity/config.ts';
import { demandOf, UNFINISHED_PODS, type ObservedDemand } from '../../../lib/capacity/observe.ts';
import { readCapacityStatus } from '../../../lib/capacity/status.ts';
import type { ResilientInformer } from '../../runtime/informer.ts';
import { customResourceInformer, nodeInformer, podInformer } from '../../runtime/informers.ts';
import type { CapacityDecision } from './decide.ts';

/** The caches the demand is counted from. */
export interface CapacityInformers {
  campaigns: ResilientInformer<SimulationCampaign>;
  builds: ResilientInformer<InetBuild>;
  nodes: ResilientInformer<V1Node>;
  pods: ResilientInformer<V1Pod>;
}

/** Where a pass failed: the condition of a failure depends on it. */
export type PassStage = 'kubernetes' | 'aws' | 'cloudwatch';

/** What one pass did, for tests and logs. */
export interface PassResult {
  decision?: CapacityDecision;
  nodegroup?: NodegroupState;
  error?: { condition: string; message: string; stage: string };
}

/** What the capacity controller keeps across passes. */
export interface CapacityState {
  /** The saved status was read back (once per process). */
  restored: boolean;
  /** When work last asked for nodes; the idle timeout counts from here. */
  lastActivity: Date | undefined;
  /** When the nodegroup's size last changed (by this controller or, as observed, by someone else). */
  lastChange: Date | undefined;
  /** The size last set or seen; another size means someone else changed it. */
  lastSetDesired: number | undefined;
  lastDecision: CapacityDecision | undefined;
  /** The cost guard alarms were written (once per process, and again when the Auto Scaling group changes). */
  costGuardDone: boolean;
  /** The Auto Scaling group the cost guard's policy was written for; undefined while the nodegroup showed none. */
  costGuardGroup: string | undefined;
  /** The last pass's result. */
  lastPass: PassResult | undefined;
  /** The last failure, until a pass succeeds. */
  lastError: { condition: string; message: string; stage: string; at: Date } | undefined;
}

export function newCapacityState(): CapacityState {
  return {
    restored: false,
    lastActivity: undefined,
    lastChange: undefined,
    lastSetDesired: undefined,
    lastDecision: undefined,
    costGuardDone: false,
    costGuardGroup: undefined,
    lastPass: undefined,
    lastError: undefined,
  };
}

/** Creates (not starts) the capacity controller's informers; they enqueue nothing. */
export function capacityInformers(kubeConfig: KubeConfig, log: Logger, config: CapacityConfig): CapacityInformers {
  const scope = { kubeConfig, log, namespace: config.watchNamespace, enqueue: () => {} };
  const none = () => [];
  return {
    campaigns: customResourceInformer<SimulationCampaign>(scope, { name: 'capacity-campaigns', plural: SIMULATION_CAMPAIGN.plural, keys: none }),
    builds: customResourceInformer<InetBuild>(scope, { name: 'capacity-builds', plural: INET_BUILD.plural, keys: none }),
    nodes: nodeInformer(scope, { name: 'runner-nodes', labelSelector: config.runnerNodeSelector, keys: none }),
    pods: podInformer(scope, { name: 'unfinished-pods', fieldSelector: UNFINISHED_PODS, keys: none }),
  };
}

/** The demand as the caches hold it now. */
export function demandFromCaches(caches: CapacityInformers, config: CapacityConfig): ObservedDemand {
  return demandOf(
    { campaigns: caches.campaigns.list(), builds: caches.builds.list(), nodes: caches.nodes.list(), pods: caches.pods.list() },
    config,
  );
}

export interface ObserveDeps {
  config: CapacityConfig;
  kubeConfig: KubeConfig;
  log: Logger;
  aws: CapacityAws;
}

/** Reads the saved status back into the state, once; without it the idle timer starts now. */
export async function restoreState(deps: ObserveDeps, state: CapacityState): Promise<void> {
  if (state.restored) return;
  try {
    const saved = await readCapacityStatus(deps.kubeConfig, deps.config.namespace, deps.config.statusName);
    const date = (s: string | undefined) => (s && !Number.isNaN(Date.parse(s)) ? new Date(s) : undefined);
    state.lastActivity = date(saved?.lastActivity);
    state.lastChange = date(saved?.lastUpdate);
    const desired = saved?.desiredNodes === undefined ? undefined : Number(saved.desiredNodes);
    state.lastSetDesired = Number.isInteger(desired) ? desired : undefined;
  } catch (err) {
    deps.log.warn({ err }, 'Capacity status could not be read; idle timer starts now');
  }
  state.restored = true;
}

/** The nodegroup and the cores a pod can use on one of its nodes; filled step by step, so a failure still reports what was seen. */
export interface ObservedPool {
  nodegroup?: NodegroupState;
  instanceType: string;
  allocatable?: number;
}

/** All of the pool a pass saw: the nodegroup, a node's cores, and the Auto Scaling group (undefined when there is none). */
export type PoolSeen = Required<ObservedPool> & { group: GroupState | undefined };

/** Describes the nodegroup and its Auto Scaling group into `pool`, noting a size someone else set, and works out a node's allocatable cores. */
export async function observePool(deps: ObserveDeps, state: CapacityState, now: Date, pool: ObservedPool): Promise<PoolSeen> {
  const { config, aws } = deps;
  const nodegroup = await aws.describeNodegroup();
  pool.nodegroup = nodegroup;
  const group = await aws.describeGroup(nodegroup.autoScalingGroups);
  if (state.lastSetDesired !== undefined && !nodegroup.updateInProgress && nodegroup.desiredSize !== state.lastSetDesired) {
    // Someone else (the CLI, the console) changed the size: their choice gets a full idle timeout.
    deps.log.info({ from: state.lastSetDesired, to: nodegroup.desiredSize }, 'Observed a nodegroup size change made outside the operator');
    state.lastChange = now;
    state.lastActivity = now;
  }
  state.lastSetDesired = nodegroup.desiredSize;
  const instanceType = config.instanceType ?? nodegroup.instanceTypes[0] ?? '';
  pool.instanceType = instanceType;
  pool.allocatable = await allocatableCpu(deps, nodegroup, instanceType);
  return { nodegroup, instanceType, allocatable: pool.allocatable, group };
}

async function allocatableCpu(deps: ObserveDeps, nodegroup: NodegroupState, instanceType: string): Promise<number> {
  const { config, aws } = deps;
  if (config.allocatableCpuPerNode !== undefined) return config.allocatableCpuPerNode;
  if (!instanceType) {
    throw new PermanentError(`Nodegroup ${nodegroup.nodegroupName} names no instance type (launch template?): set INETSWARM_RUNNER_INSTANCE_TYPE`);
  }
  // With several instance types the smallest decides: never plan on cores a node may not have.
  const types = config.instanceType ? [config.instanceType] : nodegroup.instanceTypes;
  const vcpus = await Promise.all(types.map((t) => aws.instanceVcpus(t)));
  return Math.max(0.1, Math.min(...vcpus) - config.reservedCpuPerNode);
}
