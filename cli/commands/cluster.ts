// `inet-swarm cluster status|halt|resume`: the EKS runner nodegroup seen and
// sized by hand, through the same AWS adapter the operator's capacity manager
// uses. The options name the nodegroup (flags, else environment); each action
// (nodegroup/actions.ts) returns data; printing is separate (text or --json).
import { Command, Option } from 'commander';
import type { NodegroupRef } from '../../lib/aws/eks.ts';
import type { AwsSettings } from '../../lib/aws/nodegroups.ts';
import { text } from '../../lib/config.ts';
import { defaultCapacityConfig } from '../../lib/capacity/config.ts';
import type { CliContext } from '../context.ts';
import type { ClusterResult } from '../data/nodegroup.ts';
import { UsageError } from '../errors.ts';
import { clusterHalt, clusterResume, clusterStatus, type ClusterDeps } from '../nodegroup/actions.ts';
import { formatClusterResult } from '../output/nodegroup.ts';

/** Options shared by the cluster subcommands (flags, else environment). */
export interface ClusterOptions {
  cluster?: string | undefined;
  nodegroup?: string | undefined;
  region?: string | undefined;
  endpoint?: string | undefined;
  json?: boolean | undefined;
  context?: string | undefined;
  operatorNamespace?: string | undefined;
  /** Check only this namespace for busy runner pods (a namespaced install). */
  runnerNamespace?: string | undefined;
}

function resolveTarget(opts: ClusterOptions, env: NodeJS.ProcessEnv): { ref: NodegroupRef; settings: AwsSettings } {
  const clusterName = opts.cluster ?? text(env, 'INETSWARM_EKS_CLUSTER');
  const nodegroupName = opts.nodegroup ?? text(env, 'INETSWARM_EKS_NODEGROUP');
  if (!clusterName || !nodegroupName) {
    throw new UsageError(
      'Name the EKS cluster and runner nodegroup: --cluster <name> --nodegroup <name> ' +
        '(or set INETSWARM_EKS_CLUSTER and INETSWARM_EKS_NODEGROUP).',
    );
  }
  const region = opts.region ?? text(env, 'AWS_REGION') ?? text(env, 'AWS_DEFAULT_REGION');
  const endpoint = opts.endpoint ?? text(env, 'INETSWARM_AWS_ENDPOINT');
  return {
    ref: { clusterName, nodegroupName },
    settings: { ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}), maxAttempts: 4 },
  };
}

function parseNodes(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--nodes must be a whole number of nodes, got '${value}'`);
  return n;
}

function withTargetOptions(command: Command): Command {
  return command
    .option('--cluster <name>', 'EKS cluster name (default: $INETSWARM_EKS_CLUSTER)')
    .option('--nodegroup <name>', 'runner nodegroup name (default: $INETSWARM_EKS_NODEGROUP)')
    .option('--region <region>', 'AWS region (default: $AWS_REGION)')
    .addOption(new Option('--endpoint <url>', 'AWS endpoint override (testing against moto)').hideHelp())
    .option('--operator-namespace <namespace>', "the operator's namespace", defaultCapacityConfig.namespace)
    .addOption(new Option('--runner-namespace <namespace>', 'check only this namespace for busy runner pods').hideHelp())
    .option('--json', 'print the result as JSON');
}

/** The `cluster` command with its status, halt and resume subcommands. */
export function clusterCommand(deps: ClusterDeps = {}): Command {
  const env = deps.env ?? process.env;
  const print = (result: ClusterResult, json: boolean | undefined): void => {
    const out = deps.stdout ?? process.stdout;
    out.write(json ? `${JSON.stringify(result)}\n` : formatClusterResult(result));
  };
  type Parsed = ClusterOptions & { force?: boolean; nodes?: number };
  /** A subcommand whose action runs `act` on the parsed options and the nodegroup they name, then prints. */
  const subcommand = (name: string, summary: string, act: (o: Parsed, target: ReturnType<typeof resolveTarget>) => Promise<ClusterResult>): Command =>
    withTargetOptions(new Command(name))
      .summary(summary)
      .action(async (_opts: unknown, command: Command) => {
        const o = command.optsWithGlobals<Parsed>();
        print(await act(o, resolveTarget(o, env)), o.json);
      });

  const cluster = new Command('cluster').summary('show, halt or resume the EKS runner nodegroup');
  cluster.addCommand(
    subcommand('status', "show the runner nodegroup's size, instance type and the operator's capacity status", (o, target) =>
      clusterStatus(target, o, deps),
    ),
  );
  cluster.addCommand(
    subcommand('halt', 'scale the runner nodegroup to zero now', (o, target) => clusterHalt(target, o, deps)).option(
      '--force',
      'halt even while runner or builder pods are running (they are killed)',
    ),
  );
  cluster.addCommand(
    subcommand('resume', 'scale the runner nodegroup up to N nodes', (o, target) => clusterResume(target, o.nodes, deps)).option(
      '--nodes <n>',
      "desired number of nodes (default: the nodegroup's minimum, at least 1)",
      parseNodes,
    ),
  );
  return cluster;
}

/** The command as the program registers it, printing on the context's stdout. */
export function makeClusterCommand(ctx: CliContext): Command {
  return clusterCommand({ stdout: ctx.stdout, env: ctx.env });
}
