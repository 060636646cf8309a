// Shared setup of the capacity manager's integration tests: moto's server
// (from the stack, or a private one while the stack has none), an EKS cluster
// and nodegroup in it, the nodegroup's Auto Scaling group with instances
// (moto's EKS names one but does not make it), and a small HTTP proxy in front of moto that answers
// chosen requests with AWS errors (moto itself can neither throttle nor deny).
import { execFile } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, CreateNodegroupCommand, DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { KubeConfig, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import pino from 'pino';
import { startMoto } from '../stack/servers/moto.ts';
import type { StackInfo } from '../stack/types.ts';

export const testCredentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
export const silentLogger = pino({ level: process.env.INETSWARM_TEST_LOG_LEVEL ?? 'silent' });

/** moto's endpoint: the stack's, or a private moto server for this process while the stack has none. */
export async function motoFor(stack: StackInfo): Promise<{ endpoint: string; region: string; stop(): Promise<void> }> {
  if (stack.moto.endpoint) return { ...stack.moto, stop: async () => {} };
  const moto = await startMoto({ dir: await mkdtemp(join(tmpdir(), 'capacity-moto-')) });
  return { endpoint: moto.endpoint, region: moto.region, stop: () => moto.stop() };
}

/** Creates an EKS cluster and a runner nodegroup (taint and label as in docs/eks.md) in moto. */
export async function createNodegroup(
  aws: { endpoint: string; region: string },
  names: { cluster: string; nodegroup: string },
  scaling: { minSize: number; maxSize: number; desiredSize: number },
  instanceType = 'c5.4xlarge',
): Promise<void> {
  const eks = new EKSClient({ ...aws, credentials: testCredentials });
  const role = 'arn:aws:iam::123456789012:role/inet-swarm-nodes';
  // Several nodegroups may share one cluster: an existing cluster is fine.
  await eks
    .send(new CreateClusterCommand({ name: names.cluster, roleArn: role, resourcesVpcConfig: { subnetIds: ['subnet-1'] } }))
    .catch((err: unknown) => {
      if ((err as Error).name !== 'ResourceInUseException') throw err;
    });
  await eks.send(
    new CreateNodegroupCommand({
      clusterName: names.cluster,
      nodegroupName: names.nodegroup,
      nodeRole: role,
      subnets: ['subnet-1'],
      instanceTypes: [instanceType],
      scalingConfig: scaling,
      labels: { 'inetswarm.dev/pool': 'runner' },
      taints: [{ key: 'inetswarm.dev/pool', value: 'runner', effect: 'NO_SCHEDULE' }],
    }),
  );
  eks.destroy();
}

/** The nodegroup's scaling config as moto holds it now. */
export async function nodegroupScaling(
  aws: { endpoint: string; region: string },
  names: { cluster: string; nodegroup: string },
): Promise<{ minSize?: number; maxSize?: number; desiredSize?: number }> {
  const eks = new EKSClient({ ...aws, credentials: testCredentials });
  try {
    const out = await eks.send(new DescribeNodegroupCommand({ clusterName: names.cluster, nodegroupName: names.nodegroup }));
    return out.nodegroup?.scalingConfig ?? {};
  } finally {
    eks.destroy();
  }
}

/** One instance of a runner group: what a kwok node's providerID names. */
export interface RunnerInstance {
  instanceId: string;
  zone: string;
}

/**
 * Creates, in moto, the Auto Scaling group the nodegroup names in its
 * resources, with `count` instances, as EKS does for a managed nodegroup.
 */
export async function createRunnerGroup(
  aws: { endpoint: string; region: string },
  names: { cluster: string; nodegroup: string },
  count: number,
): Promise<{ groupName: string; instances: RunnerInstance[] }> {
  const eks = new EKSClient({ ...aws, credentials: testCredentials });
  const ec2 = new EC2Client({ ...aws, credentials: testCredentials });
  const autoscaling = new AutoScalingClient({ ...aws, credentials: testCredentials });
  try {
    const ng = await eks.send(new DescribeNodegroupCommand({ clusterName: names.cluster, nodegroupName: names.nodegroup }));
    const groupName = ng.nodegroup?.resources?.autoScalingGroups?.[0]?.name;
    if (!groupName) throw new Error(`moto names no Auto Scaling group for nodegroup ${names.nodegroup}`);
    const template = await ec2.send(
      new CreateLaunchTemplateCommand({ LaunchTemplateName: groupName, LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 'c5.4xlarge' } }),
    );
    await autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: groupName,
        MinSize: 0,
        MaxSize: 10,
        DesiredCapacity: count,
        AvailabilityZones: [`${aws.region}a`],
        LaunchTemplate: { LaunchTemplateId: template.LaunchTemplate?.LaunchTemplateId, Version: '$Latest' },
      }),
    );
    return { groupName, instances: (await runnerGroup(aws, groupName)).instances };
  } finally {
    eks.destroy();
    ec2.destroy();
    autoscaling.destroy();
  }
}

/** The group's desired capacity and instances as moto holds them now. */
export async function runnerGroup(aws: { endpoint: string; region: string }, groupName: string): Promise<{ desired: number; instances: RunnerInstance[] }> {
  const autoscaling = new AutoScalingClient({ ...aws, credentials: testCredentials });
  try {
    const out = await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }));
    const group = out.AutoScalingGroups?.[0];
    const instances = (group?.Instances ?? []).map((i) => ({ instanceId: i.InstanceId ?? '', zone: i.AvailabilityZone ?? '' }));
    return { desired: group?.DesiredCapacity ?? -1, instances };
  } finally {
    autoscaling.destroy();
  }
}

/**
 * A kwok node backed by a (moto) EC2 instance: its providerID names the
 * instance, as on EKS. Labelled with `labels` only and tainted with each of
 * them besides the runner pool's taint, so that no other test's pod lands on
 * it and no other test's runner-pool selector counts it.
 */
export function instanceNode(name: string, instance: RunnerInstance, labels: Record<string, string>) {
  const resources = { cpu: '16', memory: '64Gi', pods: '110' };
  const own = Object.entries(labels).map(([key, value]) => ({ key, value, effect: 'NoSchedule' }));
  return {
    metadata: { name, annotations: { 'kwok.x-k8s.io/node': 'fake' }, labels: { type: 'kwok', ...labels } },
    spec: {
      providerID: `aws:///${instance.zone}/${instance.instanceId}`,
      taints: [{ key: 'inetswarm.dev/pool', value: 'runner', effect: 'NoSchedule' }, ...own],
    },
    status: { allocatable: resources, capacity: resources },
  };
}

/** An AWS error the proxy answers with instead of forwarding. */
export interface Fault {
  status: number;
  type: string;
  message: string;
}

/** A proxy in front of moto: `fault` decides per request; counts what it injected and forwarded. */
export interface FaultProxy {
  endpoint: string;
  injected: number;
  forwarded: number;
  fault: (req: IncomingMessage) => Fault | undefined;
  /** Rewrites the body of a forwarded answer (e.g. to show a nodegroup as UPDATING); undefined forwards it as is. */
  rewrite: (req: IncomingMessage) => ((body: string) => string) | undefined;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const proxy: FaultProxy = {
    endpoint: '',
    injected: 0,
    forwarded: 0,
    fault: () => undefined,
    rewrite: () => undefined,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const fault = proxy.fault(req);
    if (fault) {
      proxy.injected += 1;
      req.resume();
      // Both error conventions: restJson (x-amzn-errortype) and the JSON/query-compatible ones (__type, x-amzn-query-error).
      res.writeHead(fault.status, {
        'content-type': 'application/json',
        'x-amzn-errortype': fault.type,
        'x-amzn-query-error': `${fault.type};Sender`,
        'x-amzn-requestid': 'fault-proxy',
      });
      res.end(JSON.stringify({ __type: fault.type, message: fault.message, Message: fault.message }));
      return;
    }
    proxy.forwarded += 1;
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        const rewrite = proxy.rewrite(req);
        if (!rewrite) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = Buffer.from(rewrite(Buffer.concat(chunks).toString('utf8')));
          res.writeHead(up.statusCode ?? 502, { ...up.headers, 'content-length': String(body.length) });
          res.end(body);
        });
      },
    );
    forward.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  proxy.endpoint = `http://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

/** Matches EKS requests on a nodegroup: GET is DescribeNodegroup, POST .../update-config is UpdateNodegroupConfig. */
export function eksCall(req: IncomingMessage): 'DescribeNodegroup' | 'UpdateNodegroupConfig' | undefined {
  const url = req.url ?? '';
  if (!/^\/clusters\/[^/]+\/node-groups\/[^/?]+/.test(url)) return undefined;
  if (req.method === 'POST' && url.includes('/update-config')) return 'UpdateNodegroupConfig';
  if (req.method === 'GET' && !url.includes('/updates')) return 'DescribeNodegroup';
  return undefined;
}

/** A kubeconfig for the stack and a fresh namespace for one test file. */
export async function kubeFor(stack: StackInfo, namespace: string): Promise<{ kubeConfig: KubeConfig; core: CoreV1Api }> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(stack.kubeconfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  return { kubeConfig, core };
}

const execFileAsync = promisify(execFile);

/** kubectl of the stack's control-plane binary. */
export async function kubectl(stack: StackInfo, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(stack.k8sBinary, ['kubectl', '--kubeconfig', stack.kubeconfig, ...args]);
  return stdout;
}

/** Applies the CRDs the capacity manager watches and waits until they answer lists in `namespace`. */
export async function ensureCapacityCrds(stack: StackInfo, kubeConfig: KubeConfig, namespace: string): Promise<void> {
  const crds = join(import.meta.dirname, '..', '..', 'crds');
  await kubectl(stack, 'apply', '-f', join(crds, 'simulationcampaigns.yaml'), '-f', join(crds, 'inetbuilds.yaml'));
  await kubectl(stack, 'wait', '--for=condition=Established', '--timeout=60s', 'crd/simulationcampaigns.inetswarm.dev', 'crd/inetbuilds.inetswarm.dev');
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  // An Established CRD still answers 429 while its storage initializes.
  for (let i = 0; ; i++) {
    try {
      for (const plural of ['simulationcampaigns', 'inetbuilds']) {
        await custom.listNamespacedCustomObject({ group: 'inetswarm.dev', version: 'v1alpha1', plural, namespace });
      }
      return;
    } catch (err) {
      if (i >= 100) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** A pod that occupies a runner node (kwok marks it Running): what a busy runner looks like to the API. */
export function busyRunnerPod(name: string, namespace: string, nodeName: string) {
  return {
    metadata: { name, namespace, labels: { 'app.kubernetes.io/component': 'runner' } },
    spec: {
      nodeName,
      tolerations: [{ key: 'inetswarm.dev/pool', operator: 'Equal', value: 'runner', effect: 'NoSchedule' }],
      containers: [{ name: 'runner', image: 'inet-swarm/runner:test', resources: { requests: { cpu: '1' } } }],
    },
  };
}
