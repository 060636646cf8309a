// The AWS calls of the capacity manager, made with the real SDK v3 clients
// against the stack's moto server: EKS cluster and nodegroup scaling, EC2
// instance type facts, CloudWatch metrics.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  CreateClusterCommand,
  CreateNodegroupCommand,
  DescribeNodegroupCommand,
  EKSClient,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import { DescribeInstanceTypesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { useStack } from '../stack/env.ts';

describe('AWS through moto', () => {
  let config: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };

  before(async () => {
    const { moto } = await useStack();
    config = { endpoint: moto.endpoint, region: moto.region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  });

  test('scales an EKS managed nodegroup and DescribeNodegroup shows the new scaling config', async () => {
    const eks = new EKSClient(config);
    const clusterName = `inet-swarm-${randomUUID().slice(0, 8)}`;
    const nodegroupName = 'runners';
    const cluster = await eks.send(
      new CreateClusterCommand({
        name: clusterName,
        roleArn: 'arn:aws:iam::123456789012:role/eks-cluster',
        resourcesVpcConfig: { subnetIds: ['subnet-0a', 'subnet-0b'] },
      }),
    );
    assert.equal(cluster.cluster?.name, clusterName);

    const created = await eks.send(
      new CreateNodegroupCommand({
        clusterName,
        nodegroupName,
        nodeRole: 'arn:aws:iam::123456789012:role/eks-node',
        subnets: ['subnet-0a', 'subnet-0b'],
        instanceTypes: ['c6i.4xlarge'],
        scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 10 },
        labels: { 'inetswarm.dev/pool': 'runner' },
        taints: [{ key: 'inetswarm.dev/pool', value: 'runner', effect: 'NO_SCHEDULE' }],
      }),
    );
    assert.deepEqual(created.nodegroup?.scalingConfig, { minSize: 0, desiredSize: 0, maxSize: 10 });

    const update = await eks.send(
      new UpdateNodegroupConfigCommand({ clusterName, nodegroupName, scalingConfig: { minSize: 0, desiredSize: 4, maxSize: 10 } }),
    );
    assert.equal(update.update?.type, 'ConfigUpdate');

    const described = await eks.send(new DescribeNodegroupCommand({ clusterName, nodegroupName }));
    assert.deepEqual(described.nodegroup?.scalingConfig, { minSize: 0, desiredSize: 4, maxSize: 10 });
    assert.deepEqual(described.nodegroup?.instanceTypes, ['c6i.4xlarge']);
    assert.deepEqual(described.nodegroup?.labels, { 'inetswarm.dev/pool': 'runner' });
  });

  test('rejects a nodegroup update for a cluster that does not exist', async () => {
    const eks = new EKSClient(config);
    await assert.rejects(
      eks.send(
        new UpdateNodegroupConfigCommand({ clusterName: `absent-${randomUUID().slice(0, 8)}`, nodegroupName: 'runners', scalingConfig: { desiredSize: 1 } }),
      ),
      (error: unknown) => error instanceof Error && error.name === 'ResourceNotFoundException',
    );
  });

  test('reports the vCPUs and memory of EC2 instance types', async () => {
    const ec2 = new EC2Client(config);
    const result = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['c6i.4xlarge', 'c6i.large'] }));
    const facts = Object.fromEntries(
      (result.InstanceTypes ?? []).map((t) => [t.InstanceType, [t.VCpuInfo?.DefaultVCpus, t.MemoryInfo?.SizeInMiB]]),
    );
    assert.deepEqual(facts, { 'c6i.4xlarge': [16, 32768], 'c6i.large': [2, 4096] });
  });

  test('lists and returns a metric that PutMetricData stored', async () => {
    const cloudwatch = new CloudWatchClient(config);
    const namespace = `InetSwarm/Test-${randomUUID().slice(0, 8)}`;
    const dimensions = [{ Name: 'Campaign', Value: 'aloha' }];
    const now = new Date();
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: namespace,
        MetricData: [
          { MetricName: 'PendingRuns', Dimensions: dimensions, Value: 42, Unit: 'Count', Timestamp: now },
          { MetricName: 'PendingRuns', Dimensions: dimensions, Value: 8, Unit: 'Count', Timestamp: now },
        ],
      }),
    );

    const listed = await cloudwatch.send(new ListMetricsCommand({ Namespace: namespace }));
    assert.deepEqual(
      listed.Metrics?.map((m) => [m.MetricName, m.Dimensions]),
      [['PendingRuns', dimensions]],
    );

    const data = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - 5 * 60_000),
        EndTime: new Date(now.getTime() + 5 * 60_000),
        MetricDataQueries: [
          {
            Id: 'pending',
            MetricStat: {
              Metric: { Namespace: namespace, MetricName: 'PendingRuns', Dimensions: dimensions },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    const values = data.MetricDataResults?.find((r) => r.Id === 'pending')?.Values ?? [];
    assert.equal(values.reduce((a, b) => a + b, 0), 50);
  });
});
