// The cost guard alarms as they are sent to CloudWatch: names, how many
// five-minute periods each waits, and what missing data means.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { costGuardAlarmNames, costGuardPolicyName, heartbeatAlarm, idleNodesAlarm } from '../../lib/aws/cost-guard.ts';
import { metricData } from '../../lib/aws/metrics.ts';

const ref = { clusterName: 'c1', nodegroupName: 'runners' };
const dimensions = [
  { Name: 'ClusterName', Value: 'c1' },
  { Name: 'Nodegroup', Value: 'runners' },
];

describe('costGuardAlarmNames', () => {
  it('names both alarms after the cluster and the nodegroup', () => {
    assert.deepEqual(costGuardAlarmNames(ref), { heartbeat: 'inet-swarm-c1-runners-heartbeat-missing', idleNodes: 'inet-swarm-c1-runners-idle-nodes' });
  });
});

describe('heartbeatAlarm', () => {
  const cases: Array<[string, number | undefined, number]> = [
    ['waits 15 minutes (three periods) by default', undefined, 3],
    ['waits at least one period', 1_000, 1],
    ['rounds a timeout up to whole periods', 301_000, 2],
    ['waits exactly the periods of a timeout that is a multiple of one', 600_000, 2],
  ];
  for (const [name, heartbeatTimeoutMs, periods] of cases) {
    it(name, () => {
      const alarm = heartbeatAlarm(ref, { alarmActions: [], idleTimeoutMs: 0, ...(heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs } : {}) });
      assert.equal(alarm.EvaluationPeriods, periods);
      assert.equal(alarm.DatapointsToAlarm, periods);
    });
  }

  it('fires on missing heartbeats, on the nodegroup\'s heartbeat metric, with the given actions', () => {
    const alarm = heartbeatAlarm(ref, { alarmActions: ['arn:sns'], idleTimeoutMs: 0 });
    assert.equal(alarm.AlarmName, 'inet-swarm-c1-runners-heartbeat-missing');
    assert.equal(alarm.TreatMissingData, 'breaching');
    assert.equal(alarm.MetricName, 'Heartbeat');
    assert.equal(alarm.Namespace, 'InetSwarm');
    assert.deepEqual(alarm.Dimensions, dimensions);
    assert.deepEqual(alarm.AlarmActions, ['arn:sns']);
  });
});

describe('idleNodesAlarm', () => {
  const cases: Array<[string, number, number]> = [
    ['waits one period more than the idle timeout', 600_000, 3],
    ['rounds the idle timeout up to whole periods first', 301_000, 3],
    ['waits one period for no idle timeout', 0, 1],
  ];
  for (const [name, idleTimeoutMs, periods] of cases) {
    it(name, () => {
      const alarm = idleNodesAlarm(ref, { alarmActions: [], idleTimeoutMs });
      assert.equal(alarm.EvaluationPeriods, periods);
      assert.equal(alarm.DatapointsToAlarm, periods);
    });
  }

  it('fires on nodes up with nothing queued or running, and not on missing data', () => {
    const alarm = idleNodesAlarm(ref, { alarmActions: [], idleTimeoutMs: 600_000 });
    assert.equal(alarm.AlarmName, 'inet-swarm-c1-runners-idle-nodes');
    assert.equal(alarm.TreatMissingData, 'notBreaching');
    assert.deepEqual(
      alarm.Metrics?.map((m) => m.MetricStat?.Metric?.MetricName ?? m.Expression),
      ['DesiredNodes', 'QueuedRuns', 'RunningRuns', 'IF(nodes > 0 AND queued == 0 AND running == 0, 1, 0)'],
    );
    assert.match(alarm.AlarmDescription ?? '', /\(600s\)/);
  });
});

describe('the scale-to-zero policy among the alarm actions', () => {
  const policy = 'arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x:autoScalingGroupName/eks-r:policyName/p';

  it('is named after the cluster and the nodegroup', () => {
    assert.equal(costGuardPolicyName(ref), 'inet-swarm-c1-runners-scale-to-zero');
  });

  it('follows the configured actions of both alarms', () => {
    const guard = { alarmActions: ['arn:sns'], idleTimeoutMs: 0, scaleToZeroPolicyArn: policy };
    assert.deepEqual(heartbeatAlarm(ref, guard).AlarmActions, ['arn:sns', policy]);
    assert.deepEqual(idleNodesAlarm(ref, guard).AlarmActions, ['arn:sns', policy]);
  });

  it('is left off the idle alarm while the operator keeps a floor of nodes on purpose', () => {
    const guard = { alarmActions: [], idleTimeoutMs: 0, scaleToZeroPolicyArn: policy, floor: 2 };
    assert.deepEqual(heartbeatAlarm(ref, guard).AlarmActions, [policy]);
    assert.deepEqual(idleNodesAlarm(ref, guard).AlarmActions, []);
  });
});

describe('metricData', () => {
  it('publishes the four counts and a heartbeat of 1, all of the nodegroup and the same time', () => {
    const at = new Date('2025-01-01T00:00:00Z');
    const data = metricData(ref, { queuedRuns: 5, runningRuns: 2, runnerPods: 3, desiredNodes: 1 }, at);
    assert.deepEqual(
      data.map((d) => [d.MetricName, d.Value]),
      [['QueuedRuns', 5], ['RunningRuns', 2], ['RunnerPods', 3], ['DesiredNodes', 1], ['Heartbeat', 1]],
    );
    assert.ok(data.every((d) => d.Timestamp === at && d.Unit === 'Count'));
    assert.deepEqual(data[0]!.Dimensions, dimensions);
  });
});
