// The text of `cluster status`: the cost guard's lines, from each alarm with
// its state and threshold to whether the scale-to-zero policy is wired.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CostGuardView } from '../../lib/aws/cost-guard.ts';
import type { ClusterStatusResult } from '../../cli/data/nodegroup.ts';
import { formatClusterResult } from '../../cli/output/nodegroup.ts';

const arn = 'arn:aws:autoscaling:us-east-1:1:scalingPolicy:x:autoScalingGroupName/eks-g:policyName/p';
const alarm = (name: string, comparison: string, actions: string[], state = 'OK') => ({ name, state, threshold: 1, comparison, actions });
const status = (guard: ClusterStatusResult['guard']): string =>
  formatClusterResult({
    kind: 'status',
    nodegroup: {
      clusterName: 'c',
      nodegroupName: 'runners',
      status: 'ACTIVE',
      minSize: 0,
      maxSize: 4,
      desiredSize: 1,
      instanceTypes: ['c5.4xlarge'],
      labels: {},
      taints: [],
      autoScalingGroups: ['eks-g'],
      updateInProgress: false,
    },
    instanceType: 'c5.4xlarge',
    operator: { unavailable: 'no kubeconfig' },
    guard,
  });
const view = (actions: string[], policyArn: string | undefined): CostGuardView => ({
  alarms: [alarm('hb', 'LessThanThreshold', actions, 'ALARM'), alarm('idle', 'GreaterThanOrEqualToThreshold', actions)],
  policy: { name: 'p', group: 'eks-g', arn: policyArn },
});

describe('formatClusterResult: the cost guard', () => {
  it('shows each alarm with its state and threshold, and the policy both execute', () => {
    const text = status({ view: view([arn], arn) });
    assert.match(text, /^Cost guard: {4}hb: ALARM, alarm when value < 1$/m);
    assert.match(text, /^ {15}idle: OK, alarm when value >= 1$/m);
    assert.match(text, /^ {15}executes p \(group eks-g to 0 nodes\) from 2 of 2 alarms$/m);
  });

  it('says when the alarms do not name the policy', () => {
    assert.match(status({ view: view(['arn:sns'], arn) }), /from 0 of 2 alarms$/m);
  });

  it('says when the group has no policy, so the alarms only notify', () => {
    assert.match(status({ view: view([], undefined) }), /no policy p on group eks-g: the alarms only notify$/m);
  });

  it('says when there are no alarms, and why AWS could not be asked', () => {
    assert.match(status({ view: { alarms: [] } }), /^Cost guard: {4}no alarms/m);
    assert.match(status({ unavailable: 'AWS denied cloudwatch:DescribeAlarms' }), /^Cost guard: {4}unavailable \(AWS denied cloudwatch:DescribeAlarms\)$/m);
  });
});
