// The capacity manager's loop: every interval it observes the demand in
// Kubernetes and the nodegroup in EKS, decides with decideCapacity, sets the
// nodegroup's size, publishes metrics and writes the status ConfigMap. It is
// off unless a cluster and a nodegroup are configured (kind, the local test
// control plane), and no error of AWS or Kubernetes ever stops it: failures
// become a condition in the status and a log line, and the next tick retries.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { PermanentError, TemporaryError } from '../../../lib/errors.ts';
import {
  AwsAccessDeniedError,
  AwsNotFoundError,
  createCapacityAws,
  type CapacityAws,
  type NodegroupState,
} from '../../../lib/aws/nodegroups.ts';
import { decideCapacity, type CapacityDecision } from './decide.ts';
import { kubernetesDemandObserver, type ObservedDemand } from '../../../lib/capacity/observe.ts';
import { capacityEnabled, type CapacityConfig } from '../../../lib/capacity/config.ts';
import { readCapacityStatus, statusData, writeCapacityStatus, type CapacityStatus } from '../../../lib/capacity/status.ts';

/** The condition reason a failure is shown with in the status ConfigMap. */
export function conditionOf(err: unknown): string {
  if (err instanceof AwsAccessDeniedError) return 'AccessDenied';
  if (err instanceof AwsNotFoundError) return 'NodegroupNotFound';
  if (err instanceof TemporaryError) return 'AwsUnavailable';
  if (err instanceof PermanentError) return 'AwsRejected';
  return 'Failed';
}

export interface CapacityManagerDeps {
  config: CapacityConfig;
  logger: Logger;
  registry: Registry;
  /** Reaches the Kubernetes API for the demand and the status ConfigMap. */
  kubeConfig: KubeConfig;
  /** Replaces the demand observation (tests without the CRDs). */
  observeDemand?: () => Promise<ObservedDemand>;
  /** Replaces the AWS adapter built from config.aws. */
  aws?: CapacityAws;
  now?: () => Date;
}

/** What one tick did, for tests and logs. */
export interface TickResult {
  decision?: CapacityDecision;
  nodegroup?: NodegroupState;
  error?: { condition: string; message: string; stage: string };
}

interface Gauges {
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

// A second manager on the same registry (a restart in-process, a test) reuses
// the metrics instead of failing on a duplicate name.
function makeGauges(registry: Registry): Gauges {
  const registers = [registry];
  const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []): Gauge<L> =>
    (registry.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge<L>({ name, help, labelNames, registers });
  const errors =
    (registry.getSingleMetric('inetswarm_capacity_errors_total') as Counter<'condition'> | undefined) ??
    new Counter({
      name: 'inetswarm_capacity_errors_total',
      help: 'Failed capacity ticks by condition',
      labelNames: ['condition'],
      registers,
    });
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

/**
 * The capacity loop; a class because it owns a timer, the AWS clients and the
 * memory of its last change. `start` does nothing when no cluster or
 * nodegroup is configured.
 */
export class CapacityManager {
  readonly enabled: boolean;
  private readonly config: CapacityConfig;
  private readonly logger: Logger;
  private readonly kubeConfig: KubeConfig;
  private readonly observe: () => Promise<ObservedDemand>;
  private readonly now: () => Date;
  private aws: CapacityAws | undefined;
  private gauges: Gauges | undefined;
  private readonly registry: Registry;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TickResult> | undefined;
  private stopped = true;
  private restored = false;
  private costGuardDone = false;
  private lastActivity: Date | undefined;
  private lastChange: Date | undefined;
  private lastSetDesired: number | undefined;
  private lastDecision: CapacityDecision | undefined;

  constructor(deps: CapacityManagerDeps) {
    this.config = deps.config;
    this.logger = deps.logger.child({ component: 'capacity' });
    this.kubeConfig = deps.kubeConfig;
    this.registry = deps.registry;
    this.now = deps.now ?? (() => new Date());
    this.enabled = capacityEnabled(deps.config);
    this.aws = deps.aws;
    this.observe =
      deps.observeDemand ??
      kubernetesDemandObserver(deps.kubeConfig, {
        runnerNodeSelector: deps.config.runnerNodeSelector,
        defaultRunCpu: deps.config.defaultRunCpu,
        defaultBuildCpu: deps.config.defaultBuildCpu,
        ...(deps.config.watchNamespace === undefined ? {} : { namespace: deps.config.watchNamespace }),
      });
  }

  /** Starts ticking at once and then every interval; a no-op when disabled. */
  start(): void {
    if (!this.enabled) {
      this.logger.info('Capacity manager disabled: no EKS cluster and nodegroup configured');
      return;
    }
    if (!this.stopped) return;
    this.stopped = false;
    this.logger.info(
      { cluster: this.config.clusterName, nodegroup: this.config.nodegroupName, intervalMs: this.config.intervalMs },
      'Capacity manager started',
    );
    const loop = async (): Promise<void> => {
      await this.tick();
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.config.intervalMs);
    };
    void loop();
  }

  /** Stops the timer, waits for a tick in progress and releases the AWS clients. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    this.aws?.destroy();
    this.aws = undefined;
  }

  /** Runs one observe-decide-act pass; never throws. Concurrent calls share the pass in progress. */
  tick(): Promise<TickResult> {
    if (!this.enabled) return Promise.resolve({});
    if (this.running) return this.running;
    this.running = this.runTick().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private adapter(): CapacityAws {
    this.aws ??= createCapacityAws(
      { clusterName: this.config.clusterName ?? '', nodegroupName: this.config.nodegroupName ?? '' },
      this.config.aws,
    );
    return this.aws;
  }

  private metrics(): Gauges {
    this.gauges ??= makeGauges(this.registry);
    return this.gauges;
  }

  private async restore(): Promise<void> {
    if (this.restored) return;
    const saved = await readCapacityStatus(this.kubeConfig, this.config.namespace, this.config.statusName);
    this.restored = true;
    const date = (s: string | undefined) => (s && !Number.isNaN(Date.parse(s)) ? new Date(s) : undefined);
    // The idle timer survives an operator restart; without a saved time it starts now.
    this.lastActivity = date(saved?.lastActivity);
    this.lastChange = date(saved?.lastUpdate);
    const desired = saved?.desiredNodes === undefined ? undefined : Number(saved.desiredNodes);
    this.lastSetDesired = Number.isInteger(desired) ? desired : undefined;
  }

  private async runTick(): Promise<TickResult> {
    const config = this.config;
    const gauges = this.metrics();
    const now = this.now();
    let stage = 'kubernetes';
    let nodegroup: NodegroupState | undefined;
    let demand: ObservedDemand | undefined;
    let decision: CapacityDecision | undefined;
    let instanceType = '';
    let allocatable: number | undefined;
    try {
      await this.restore().catch((err: unknown) => {
        this.logger.warn({ err }, 'Capacity status could not be read; idle timer starts now');
        this.restored = true;
      });
      demand = await this.observe();
      stage = 'aws';
      const aws = this.adapter();
      nodegroup = await aws.describeNodegroup();
      if (this.lastSetDesired !== undefined && !nodegroup.updateInProgress && nodegroup.desiredSize !== this.lastSetDesired) {
        // Someone else (the CLI, the console) changed the size: their choice gets a full idle timeout.
        this.logger.info(
          { from: this.lastSetDesired, to: nodegroup.desiredSize },
          'Observed a nodegroup size change made outside the operator',
        );
        this.lastChange = now;
        this.lastActivity = now;
      }
      this.lastSetDesired = nodegroup.desiredSize;
      instanceType = config.instanceType ?? nodegroup.instanceTypes[0] ?? '';
      if (config.allocatableCpuPerNode !== undefined) {
        allocatable = config.allocatableCpuPerNode;
      } else {
        if (!instanceType) {
          throw new PermanentError(
            `Nodegroup ${nodegroup.nodegroupName} names no instance type (launch template?): set INETSWARM_RUNNER_INSTANCE_TYPE`,
          );
        }
        // With several instance types the smallest decides: never plan on cores a node may not have.
        const types = config.instanceType ? [config.instanceType] : nodegroup.instanceTypes;
        const vcpus = await Promise.all(types.map((t) => aws.instanceVcpus(t)));
        allocatable = Math.max(0.1, Math.min(...vcpus) - config.reservedCpuPerNode);
      }
      decision = decideCapacity({
        campaigns: demand.campaigns,
        builds: demand.builds,
        allocatableCpuPerNode: allocatable,
        nodegroup,
        busyNodes: demand.busyNodes,
        floor: config.floor,
        lastActivity: this.lastActivity,
        lastChange: this.lastChange,
        updateInProgress: nodegroup.updateInProgress,
        idleTimeoutMs: config.idleTimeoutMs,
        scaleUpCooldownMs: config.scaleUpCooldownMs,
        scaleDownCooldownMs: config.scaleDownCooldownMs,
        now,
      });
      this.lastActivity = decision.lastActivity;
      if (decision.change) {
        await aws.setScaling({ desiredSize: decision.desiredSize });
        this.lastChange = now;
        this.lastSetDesired = decision.desiredSize;
        this.logger.info(
          { from: nodegroup.desiredSize, to: decision.desiredSize, reason: decision.reason, needed: decision.neededNodes },
          'Scaled runner nodegroup',
        );
      } else if (decision.reason !== this.lastDecision?.reason) {
        this.logger.info({ size: decision.desiredSize, reason: decision.reason }, 'Kept runner nodegroup size');
      }
      this.lastDecision = decision;
      stage = 'cloudwatch';
      await aws.putMetrics({
        queuedRuns: decision.demand.queuedRuns,
        runningRuns: decision.demand.runningRuns,
        runnerPods: demand.runnerPods,
        desiredNodes: decision.desiredSize,
      });
      if (config.costGuard && !this.costGuardDone) {
        const alarms = await aws.ensureCostGuard({ alarmActions: config.alarmActions, idleTimeoutMs: config.idleTimeoutMs });
        this.costGuardDone = true;
        this.logger.info({ alarms, actions: config.alarmActions }, 'Cost guard alarms written');
      }
      this.publish(gauges, decision, demand, true);
      await this.writeStatus({ nodegroup, demand, decision, instanceType, allocatable });
      return { decision, nodegroup };
    } catch (err) {
      const condition = stage === 'kubernetes' ? 'KubernetesUnavailable' : conditionOf(err);
      const message = err instanceof Error ? err.message : String(err);
      gauges.errors.labels(condition).inc();
      this.logger.warn({ condition, stage, err: message }, 'Capacity tick failed');
      if (decision && demand) this.publish(gauges, decision, demand, false);
      else gauges.ready.set(0);
      await this.writeStatus({
        nodegroup,
        demand,
        decision,
        instanceType,
        allocatable,
        error: { condition, message, at: now },
      }).catch(() => undefined);
      return { ...(decision ? { decision } : {}), ...(nodegroup ? { nodegroup } : {}), error: { condition, message, stage } };
    }
  }

  private publish(gauges: Gauges, decision: CapacityDecision, demand: ObservedDemand, ready: boolean): void {
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

  private async writeStatus(s: {
    nodegroup: NodegroupState | undefined;
    demand: ObservedDemand | undefined;
    decision: CapacityDecision | undefined;
    instanceType: string;
    allocatable: number | undefined;
    error?: { condition: string; message: string; at: Date };
  }): Promise<void> {
    const str = (n: number | undefined) => (n === undefined ? undefined : String(n));
    const decision = s.decision ?? this.lastDecision;
    const status: Partial<CapacityStatus> = {
      cluster: this.config.clusterName,
      nodegroup: this.config.nodegroupName,
      instanceType: s.instanceType,
      allocatableCpu: str(s.allocatable),
      desiredNodes: str(decision?.desiredSize ?? s.nodegroup?.desiredSize),
      currentNodes: str(s.demand?.runnerNodes),
      busyNodes: str(s.demand?.busyNodes),
      neededNodes: str(decision?.neededNodes),
      queuedRuns: str(decision?.demand.queuedRuns),
      runningRuns: str(decision?.demand.runningRuns),
      reason: decision?.reason,
      message: decision?.message,
      lastActivity: this.lastActivity?.toISOString(),
      lastUpdate: this.lastChange?.toISOString(),
      ready: s.error ? 'False' : 'True',
      condition: s.error?.condition ?? '',
      error: s.error?.message ?? '',
      lastErrorTime: s.error?.at.toISOString() ?? '',
    };
    try {
      await writeCapacityStatus(this.kubeConfig, this.config.namespace, statusData(status), this.config.statusName);
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'Capacity status could not be written');
      if (!s.error) throw err;
    }
  }
}
