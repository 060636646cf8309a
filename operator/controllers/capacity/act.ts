// One pass of the capacity controller and what it does: observe, decide with
// decideCapacity and planCapacity, act on the plan's actions (set the
// nodegroup's size, or cordon and terminate chosen idle nodes), publish
// CloudWatch metrics and the cost guard, the Prometheus gauges and the status
// ConfigMap. No error of
// AWS or Kubernetes ever escapes a pass: a failure becomes a condition in the
// status, a log line and the state's lastError, and the next pass retries.
// This module loads the AWS SDK: register.ts imports it only when enabled.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { PermanentError, TemporaryError } from '../../../lib/errors.ts';
import type { NodegroupState } from '../../../lib/aws/eks.ts';
import { AwsAccessDeniedError, AwsNotFoundError } from '../../../lib/aws/errors.ts';
import { createCapacityAws, type CapacityAws } from '../../../lib/aws/nodegroups.ts';
import type { CapacityConfig } from '../../../lib/capacity/config.ts';
import type { ObservedDemand } from '../../../lib/capacity/observe.ts';
import { statusData, writeCapacityStatus, type CapacityStatus } from '../../../lib/capacity/status.ts';
import { decideCapacityActions, type CapacityDecision, type PlannedDecision } from './decide.ts';
import { cordonForScaleIn, podsOccupying, uncordon } from './nodes.ts';
import { observePool, restoreState, type CapacityState, type ObservedPool, type PassResult, type PassStage, type PoolSeen } from './observe.ts';
import type { CapacityAction } from './scale-in.decide.ts';

/** The condition reason a failure is shown with in the status ConfigMap. */
export function conditionOf(err: unknown): string {
  if (err instanceof AwsAccessDeniedError) return 'AccessDenied';
  if (err instanceof AwsNotFoundError) return 'NodegroupNotFound';
  if (err instanceof TemporaryError) return 'AwsUnavailable';
  if (err instanceof PermanentError) return 'AwsRejected';
  return 'Failed';
}

export interface Gauges {
  desired: Gauge;
  current: Gauge;
  needed: Gauge;
  busy: Gauge;
  queued: Gauge;
  running: Gauge;
  decision: Gauge<'reason'>;
  errors: Counter<'condition'>;
  ready: Gauge;
}

// A second controller on the same registry (a restart in-process, a test)
// reuses the metrics instead of failing on a duplicate name.
export function capacityGauges(registry: Registry): Gauges {
  const registers = [registry];
  const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []): Gauge<L> =>
    (registry.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge<L>({ name, help, labelNames, registers });
  const errors =
    (registry.getSingleMetric('inetswarm_capacity_errors_total') as Counter<'condition'> | undefined) ??
    new Counter({ name: 'inetswarm_capacity_errors_total', help: 'Failed capacity ticks by condition', labelNames: ['condition'], registers });
  return {
    desired: gauge('inetswarm_capacity_desired_nodes', 'Desired size of the runner nodegroup'),
    current: gauge('inetswarm_capacity_current_nodes', 'Runner nodes registered in Kubernetes'),
    needed: gauge('inetswarm_capacity_needed_nodes', 'Runner nodes the active work needs'),
    busy: gauge('inetswarm_capacity_busy_nodes', 'Runner nodes with a runner or builder pod'),
    queued: gauge('inetswarm_capacity_queued_runs', 'Runs waiting for a runner'),
    running: gauge('inetswarm_capacity_running_runs', 'Runs being executed'),
    decision: gauge('inetswarm_capacity_decision', 'The last capacity decision: 1 for its reason', ['reason']),
    errors,
    ready: gauge('inetswarm_capacity_ready', '1 when the last capacity tick succeeded'),
  };
}

/** The AWS adapter for the configured nodegroup (clients only; no request yet). */
export function capacityAws(config: CapacityConfig): CapacityAws {
  return createCapacityAws({ clusterName: config.clusterName ?? '', nodegroupName: config.nodegroupName ?? '' }, config.aws);
}

export interface PassDeps {
  config: CapacityConfig;
  kubeConfig: KubeConfig;
  log: Logger;
  aws: CapacityAws;
  gauges: Gauges;
  observeDemand: () => Promise<ObservedDemand>;
  now: () => Date;
}

/** What a pass has seen so far: a failure reports it. */
interface Seen extends ObservedPool {
  stage: PassStage;
  demand?: ObservedDemand;
  decision?: CapacityDecision;
}

/** Runs one observe-decide-act pass; never throws. Records its result in `state`. */
export async function capacityPass(deps: PassDeps, state: CapacityState): Promise<PassResult> {
  const now = deps.now();
  const seen: Seen = { stage: 'kubernetes', instanceType: '' };
  try {
    await restoreState(deps, state);
    const demand = await deps.observeDemand();
    seen.demand = demand;
    seen.stage = 'aws';
    const pool = await observePool(deps, state, now, seen);
    const decision = decide(deps.config, state, demand, pool, now);
    seen.decision = decision;
    await scale(deps, state, decision, pool.nodegroup, now);
    seen.stage = 'cloudwatch';
    await report(deps, state, decision, demand, pool.group?.name);
    publish(deps.gauges, decision, demand, true);
    await writeStatus(deps, state, seen);
    state.lastError = undefined;
    state.lastPass = { decision, nodegroup: pool.nodegroup };
  } catch (err) {
    state.lastPass = await failed(deps, state, seen, err, now);
  }
  return state.lastPass;
}

/** The size and the actions that reach it without touching a busy node. */
function decide(config: CapacityConfig, state: CapacityState, demand: ObservedDemand, pool: PoolSeen, now: Date): PlannedDecision {
  const decision = decideCapacityActions(
    {
      campaigns: demand.campaigns,
      builds: demand.builds,
      allocatableCpuPerNode: pool.allocatable,
      nodegroup: pool.nodegroup,
      busyNodes: demand.busyNodes,
      floor: config.floor,
      lastActivity: state.lastActivity,
      lastChange: state.lastChange,
      updateInProgress: pool.nodegroup.updateInProgress,
      idleTimeoutMs: config.idleTimeoutMs,
      scaleUpCooldownMs: config.scaleUpCooldownMs,
      scaleDownCooldownMs: config.scaleDownCooldownMs,
      now,
    },
    { nodes: demand.nodes, group: pool.group },
  );
  state.lastActivity = decision.lastActivity;
  return decision;
}

/** Applies one action; returns how far it moved the size (a removal found busy after the cordon moves it by none). */
async function apply(deps: PassDeps, action: CapacityAction, now: Date): Promise<number> {
  switch (action.kind) {
    case 'setSize':
      await deps.aws.setScaling({ desiredSize: action.desiredSize });
      return 0;
    case 'uncordon':
      await uncordon(deps.kubeConfig, action.node);
      deps.log.info({ node: action.node }, 'Uncordoned a runner node that is needed again');
      return 0;
    case 'removeNode': {
      await cordonForScaleIn(deps.kubeConfig, action.node, now);
      const pods = await podsOccupying(deps.kubeConfig, action.node, deps.config.watchNamespace);
      if (pods.length > 0) {
        // A pod landed between the observation and the cordon: this node stays, the next pass chooses again.
        await uncordon(deps.kubeConfig, action.node);
        deps.log.info({ node: action.node, pods }, 'Kept a runner node that became busy before its removal');
        return 1;
      }
      await deps.aws.terminateInstance(action.instanceId);
      deps.log.info({ node: action.node, instance: action.instanceId }, 'Terminated the instance of an idle runner node');
      return 0;
    }
  }
}

/** Acts on the decision's actions in order; records the size they leave. */
async function scale(deps: PassDeps, state: CapacityState, decision: PlannedDecision, nodegroup: NodegroupState, now: Date): Promise<void> {
  let kept = 0;
  for (const action of decision.actions) kept += await apply(deps, action, now);
  if (decision.change) {
    state.lastChange = now;
    state.lastSetDesired = decision.desiredSize + kept;
    deps.log.info(
      { from: nodegroup.desiredSize, to: decision.desiredSize + kept, reason: decision.reason, needed: decision.neededNodes },
      'Scaled runner nodegroup',
    );
  } else if (decision.reason !== state.lastDecision?.reason) {
    deps.log.info({ size: decision.desiredSize, reason: decision.reason }, 'Kept runner nodegroup size');
  }
  state.lastDecision = decision;
}

/** CloudWatch: the pass's metrics (the heartbeat the cost guard watches), and the cost guard alarms once. */
async function report(deps: PassDeps, state: CapacityState, decision: CapacityDecision, demand: ObservedDemand, group: string | undefined): Promise<void> {
  const { config, aws } = deps;
  await aws.putMetrics({
    queuedRuns: decision.demand.queuedRuns,
    runningRuns: decision.demand.runningRuns,
    runnerPods: demand.runnerPods,
    desiredNodes: decision.desiredSize,
  });
  // Written again when the group appears or changes (a nodegroup still being created, or created anew), so the policy follows it.
  if (config.costGuard && (!state.costGuardDone || state.costGuardGroup !== group)) {
    const guard = await aws.ensureCostGuard(group, { alarmActions: config.alarmActions, idleTimeoutMs: config.idleTimeoutMs, floor: config.floor });
    state.costGuardDone = true;
    state.costGuardGroup = group;
    if (!guard.policyArn) deps.log.warn({ alarms: guard.alarms }, 'Cost guard alarms written without a scale-to-zero policy: the nodegroup shows no Auto Scaling group');
    else deps.log.info({ alarms: guard.alarms, actions: config.alarmActions, policy: guard.policyArn, group }, 'Cost guard alarms and scale-to-zero policy written');
  }
}

async function failed(deps: PassDeps, state: CapacityState, seen: Seen, err: unknown, now: Date): Promise<PassResult> {
  const condition = seen.stage === 'kubernetes' ? 'KubernetesUnavailable' : conditionOf(err);
  const message = err instanceof Error ? err.message : String(err);
  deps.gauges.errors.labels(condition).inc();
  deps.log.warn({ condition, stage: seen.stage, err: message }, 'Capacity tick failed');
  if (seen.decision && seen.demand) publish(deps.gauges, seen.decision, seen.demand, false);
  else deps.gauges.ready.set(0);
  state.lastError = { condition, message, stage: seen.stage, at: now };
  await writeStatus(deps, state, seen, { condition, message, at: now }).catch(() => undefined);
  return { ...(seen.decision ? { decision: seen.decision } : {}), ...(seen.nodegroup ? { nodegroup: seen.nodegroup } : {}), error: { condition, message, stage: seen.stage } };
}

function publish(gauges: Gauges, decision: CapacityDecision, demand: ObservedDemand, ready: boolean): void {
  gauges.desired.set(decision.desiredSize);
  gauges.current.set(demand.runnerNodes);
  gauges.needed.set(decision.neededNodes);
  gauges.busy.set(demand.busyNodes);
  gauges.queued.set(decision.demand.queuedRuns);
  gauges.running.set(decision.demand.runningRuns);
  gauges.decision.reset();
  gauges.decision.labels(decision.reason).set(1);
  gauges.ready.set(ready ? 1 : 0);
}

async function writeStatus(deps: PassDeps, state: CapacityState, seen: Seen, error?: { condition: string; message: string; at: Date }): Promise<void> {
  const { config } = deps;
  const str = (n: number | undefined) => (n === undefined ? undefined : String(n));
  const decision = seen.decision ?? state.lastDecision;
  const status: Partial<CapacityStatus> = {
    cluster: config.clusterName,
    nodegroup: config.nodegroupName,
    instanceType: seen.instanceType,
    allocatableCpu: str(seen.allocatable),
    desiredNodes: str(decision?.desiredSize ?? seen.nodegroup?.desiredSize),
    currentNodes: str(seen.demand?.runnerNodes),
    busyNodes: str(seen.demand?.busyNodes),
    neededNodes: str(decision?.neededNodes),
    queuedRuns: str(decision?.demand.queuedRuns),
    runningRuns: str(decision?.demand.runningRuns),
    reason: decision?.reason,
    message: decision?.message,
    lastActivity: state.lastActivity?.toISOString(),
    lastUpdate: state.lastChange?.toISOString(),
    ready: error ? 'False' : 'True',
    condition: error?.condition ?? '',
    error: error?.message ?? '',
    lastErrorTime: error?.at.toISOString() ?? '',
  };
  try {
    await writeCapacityStatus(deps.kubeConfig, config.namespace, statusData(status), config.statusName);
  } catch (err) {
    deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'Capacity status could not be written');
    if (!error) throw err;
  }
}
