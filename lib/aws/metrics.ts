// The CloudWatch metrics the capacity manager publishes on every tick, per
// nodegroup; the cost guard alarms (cost-guard.ts) watch them.
import { PutMetricDataCommand, type CloudWatchClient, type Dimension, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { NodegroupRef } from './eks.ts';
import { awsCall } from './errors.ts';

/** The CloudWatch namespace of every metric and alarm. */
export const metricNamespace = 'InetSwarm';

/** The values published to CloudWatch on every tick. */
export interface CapacityMetrics {
  queuedRuns: number;
  runningRuns: number;
  runnerPods: number;
  desiredNodes: number;
}

/** The dimensions that tie a metric to its nodegroup. */
export function nodegroupDimensions(ref: NodegroupRef): Dimension[] {
  return [
    { Name: 'ClusterName', Value: ref.clusterName },
    { Name: 'Nodegroup', Value: ref.nodegroupName },
  ];
}

/** One tick's data points, and a heartbeat of 1 that says the operator is alive. */
export function metricData(ref: NodegroupRef, metrics: CapacityMetrics, timestamp: Date): MetricDatum[] {
  const dimensions = nodegroupDimensions(ref);
  const datum = (name: string, value: number): MetricDatum => ({
    MetricName: name,
    Dimensions: dimensions,
    Value: value,
    Unit: 'Count',
    Timestamp: timestamp,
  });
  return [
    datum('QueuedRuns', metrics.queuedRuns),
    datum('RunningRuns', metrics.runningRuns),
    datum('RunnerPods', metrics.runnerPods),
    datum('DesiredNodes', metrics.desiredNodes),
    datum('Heartbeat', 1),
  ];
}

export async function putMetrics(cloudwatch: CloudWatchClient, ref: NodegroupRef, metrics: CapacityMetrics, now = new Date()): Promise<void> {
  await awsCall('cloudwatch:PutMetricData', `namespace ${metricNamespace}`, () =>
    cloudwatch.send(new PutMetricDataCommand({ Namespace: metricNamespace, MetricData: metricData(ref, metrics, now) })),
  );
}
