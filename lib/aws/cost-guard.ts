// The cost guard: two CloudWatch alarms per nodegroup that fire when runner
// nodes may be running up a bill with nobody scaling them down, whether the
// operator is gone (its heartbeat stops) or its scale-down did not happen
// (nodes up with nothing queued or running). They live in AWS so that they
// work exactly when the operator does not.
import { PutMetricAlarmCommand, type CloudWatchClient, type PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import type { NodegroupRef } from './eks.ts';
import { awsCall } from './errors.ts';
import { metricNamespace, nodegroupDimensions } from './metrics.ts';

export interface CostGuardSettings {
  /** Alarm actions, e.g. SNS topic ARNs; empty means the alarms only change state. */
  alarmActions: string[];
  /** Nodes running with an empty queue for longer than this fire the idle alarm. */
  idleTimeoutMs: number;
  /** Heartbeats missing for this long fire the heartbeat alarm. */
  heartbeatTimeoutMs?: number;
}

/** The alarms' evaluation period in seconds. */
const PERIOD = 300;
const DEFAULT_HEARTBEAT_TIMEOUT_MS = 900_000;

/** The names of the two cost guard alarms of a nodegroup. */
export function costGuardAlarmNames(ref: NodegroupRef): { heartbeat: string; idleNodes: string } {
  const prefix = `inet-swarm-${ref.clusterName}-${ref.nodegroupName}`;
  return { heartbeat: `${prefix}-heartbeat-missing`, idleNodes: `${prefix}-idle-nodes` };
}

/** Missing heartbeats are breaching: the alarm fires exactly when the operator is gone. */
export function heartbeatAlarm(ref: NodegroupRef, guard: CostGuardSettings): PutMetricAlarmCommandInput {
  const periods = Math.max(1, Math.ceil((guard.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS) / 1000 / PERIOD));
  return {
    AlarmName: costGuardAlarmNames(ref).heartbeat,
    AlarmDescription:
      `The inet-swarm operator stopped reporting for ${ref.clusterName}/${ref.nodegroupName}: ` +
      `runner nodes may keep running with nobody to scale them down.`,
    Namespace: metricNamespace,
    MetricName: 'Heartbeat',
    Dimensions: nodegroupDimensions(ref),
    Statistic: 'Sum',
    Period: PERIOD,
    EvaluationPeriods: periods,
    DatapointsToAlarm: periods,
    Threshold: 1,
    ComparisonOperator: 'LessThanThreshold',
    TreatMissingData: 'breaching',
    AlarmActions: guard.alarmActions,
  };
}

/**
 * Nodes up while nothing is queued or running, for longer than the idle
 * timeout plus one period: the scale-down did not happen.
 */
export function idleNodesAlarm(ref: NodegroupRef, guard: CostGuardSettings): PutMetricAlarmCommandInput {
  const periods = Math.max(1, Math.ceil(guard.idleTimeoutMs / 1000 / PERIOD) + 1);
  const dimensions = nodegroupDimensions(ref);
  const stat = (id: string, metric: string, statistic: string) => ({
    Id: id,
    MetricStat: { Metric: { Namespace: metricNamespace, MetricName: metric, Dimensions: dimensions }, Period: PERIOD, Stat: statistic },
    ReturnData: false,
  });
  return {
    AlarmName: costGuardAlarmNames(ref).idleNodes,
    AlarmDescription:
      `Runner nodes of ${ref.clusterName}/${ref.nodegroupName} ran with an empty queue for longer than ` +
      `the idle timeout (${Math.round(guard.idleTimeoutMs / 1000)}s).`,
    Metrics: [
      stat('nodes', 'DesiredNodes', 'Minimum'),
      stat('queued', 'QueuedRuns', 'Maximum'),
      stat('running', 'RunningRuns', 'Maximum'),
      { Id: 'idle', Expression: 'IF(nodes > 0 AND queued == 0 AND running == 0, 1, 0)', Label: 'IdleNodes', ReturnData: true },
    ],
    EvaluationPeriods: periods,
    DatapointsToAlarm: periods,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    AlarmActions: guard.alarmActions,
  };
}

/** Creates or updates both alarms (PutMetricAlarm is an upsert); returns their names. */
export async function ensureCostGuard(cloudwatch: CloudWatchClient, ref: NodegroupRef, guard: CostGuardSettings): Promise<string[]> {
  const alarms = [heartbeatAlarm(ref, guard), idleNodesAlarm(ref, guard)];
  for (const alarm of alarms) {
    await awsCall('cloudwatch:PutMetricAlarm', `alarm ${alarm.AlarmName}`, () => cloudwatch.send(new PutMetricAlarmCommand(alarm)));
  }
  return alarms.map((a) => a.AlarmName!);
}
