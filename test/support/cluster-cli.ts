// `inet-swarm cluster <subcommand>` run in-process against moto and the
// stack's Kubernetes API, returning what it printed: the capacity tests
// check the command's output as a user reads it.
import { PassThrough } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { clusterCommand } from '../../cli/commands/cluster.ts';
import type { ClusterDeps } from '../../cli/nodegroup/actions.ts';

export interface ClusterCliTarget {
  moto: { endpoint: string; region: string };
  names: { cluster: string; nodegroup: string };
  /** The operator's namespace (its status ConfigMap) and the one checked for busy runner pods. */
  namespace: string;
  kubeConfig: KubeConfig;
}

/** Runs `inet-swarm cluster <args>` on the target (another nodegroup when named) and returns its output. */
export async function runClusterCli(target: ClusterCliTarget, args: string[], nodegroup = target.names.nodegroup): Promise<string> {
  const stdout = new PassThrough();
  const chunks: string[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c.toString()));
  const deps: ClusterDeps = {
    stdout,
    // The AWS SDK's default credential chain reads these, as it reads IRSA's on EKS.
    env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
    loadKubeConfig: async () => target.kubeConfig,
  };
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  const command = clusterCommand(deps).exitOverride();
  for (const sub of command.commands) sub.exitOverride();
  const [sub, ...rest] = args;
  const { moto, names, namespace } = target;
  await command.parseAsync(
    [sub ?? 'status', '--cluster', names.cluster, '--nodegroup', nodegroup, '--region', moto.region, '--endpoint', moto.endpoint]
      .concat(['--operator-namespace', namespace, '--runner-namespace', namespace], rest),
    { from: 'user' },
  );
  return chunks.join('');
}
