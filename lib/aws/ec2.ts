// The EC2 part of the adapter: how many vCPUs a runner instance type has, from
// which the capacity manager works out the CPUs a node offers to runs.
import { DescribeInstanceTypesCommand, type _InstanceType, type EC2Client } from '@aws-sdk/client-ec2';
import { awsCall, AwsNotFoundError } from './errors.ts';

/**
 * vCPUs of an instance type, looked up once per type: `cache` keeps the
 * answers (instance types do not change).
 */
export async function instanceVcpus(ec2: EC2Client, cache: Map<string, number>, instanceType: string): Promise<number> {
  const cached = cache.get(instanceType);
  if (cached !== undefined) return cached;
  const out = await awsCall('ec2:DescribeInstanceTypes', `instance type ${instanceType}`, () =>
    ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as _InstanceType] })),
  );
  const vcpus = out.InstanceTypes?.[0]?.VCpuInfo?.DefaultVCpus;
  if (!vcpus) throw new AwsNotFoundError(`ec2:DescribeInstanceTypes returned no vCPU count for instance type ${instanceType}`);
  cache.set(instanceType, vcpus);
  return vcpus;
}
