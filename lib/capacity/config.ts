// The capacity manager's configuration, apart from the loop so that the
// operator can decide whether to load the loop (and the AWS SDK, about 90 MB
// of memory) at all: off the EKS path it never does.
import { boolean, durationMs, integer, list, number, text, url, type Env } from '../config.ts';
import type { AwsSettings } from '../aws/nodegroups.ts';
import { capacityStatusName } from './status.ts';

/** Configuration of the capacity manager; see capacityConfigFromEnv for the environment variables. */
export interface CapacityConfig {
  /** EKS cluster name; unset turns the capacity manager off. */
  clusterName?: string;
  /** Managed nodegroup of the runners; unset turns the capacity manager off. */
  nodegroupName?: string;
  aws: AwsSettings;
  /** The operator's namespace, where the status ConfigMap lives. */
  namespace: string;
  statusName: string;
  intervalMs: number;
  idleTimeoutMs: number;
  scaleUpCooldownMs: number;
  scaleDownCooldownMs: number;
  /** Nodes kept after the idle timeout (the nodegroup's minSize wins when larger). */
  floor: number;
  /** Cores per node taken by DaemonSets and the kubelet's reservation. */
  reservedCpuPerNode: number;
  /** Overrides vCPUs minus reservation, e.g. for a launch template without instance types. */
  allocatableCpuPerNode?: number;
  /** Instance type to look up when the nodegroup names none (launch template). */
  instanceType?: string;
  defaultRunCpu: number;
  defaultBuildCpu: number;
  /** Label selector of the runner pool's nodes. */
  runnerNodeSelector: string;
  /** Observe campaigns, builds and pods of this namespace only; unset observes all namespaces. */
  watchNamespace?: string;
  /** Cost guard alarm actions (SNS topic ARNs, ...). */
  alarmActions: string[];
  /** False skips the cost guard alarms (for accounts where another team owns alarms). */
  costGuard: boolean;
}

export const defaultCapacityConfig: CapacityConfig = {
  aws: {},
  namespace: 'inet-swarm-system',
  statusName: capacityStatusName,
  intervalMs: 30_000,
  idleTimeoutMs: 15 * 60_000,
  scaleUpCooldownMs: 60_000,
  scaleDownCooldownMs: 5 * 60_000,
  floor: 0,
  reservedCpuPerNode: 0.5,
  defaultRunCpu: 1,
  defaultBuildCpu: 2,
  runnerNodeSelector: 'inetswarm.dev/pool=runner',
  alarmActions: [],
  costGuard: true,
};

/** Reads the capacity configuration from environment variables (the Helm chart sets them; docs/configuration.md lists them). */
export function capacityConfigFromEnv(env: Env): CapacityConfig {
  const d = defaultCapacityConfig;
  const clusterName = text(env, 'INETSWARM_EKS_CLUSTER');
  const nodegroupName = text(env, 'INETSWARM_EKS_NODEGROUP');
  const instanceType = text(env, 'INETSWARM_RUNNER_INSTANCE_TYPE');
  const region = text(env, 'AWS_REGION');
  const endpoint = url(env, 'INETSWARM_AWS_ENDPOINT', ['http', 'https']);
  const period = (name: string, fallback: number) => durationMs(env, name, { allowZero: true }) ?? fallback;
  return {
    ...d,
    ...(clusterName ? { clusterName } : {}),
    ...(nodegroupName ? { nodegroupName } : {}),
    ...(instanceType ? { instanceType } : {}),
    aws: {
      ...(region ? { region } : {}),
      ...(endpoint ? { endpoint } : {}),
      maxAttempts: integer(env, 'INETSWARM_AWS_MAX_ATTEMPTS', { min: 1 }) ?? 4,
    },
    namespace: text(env, 'INETSWARM_POD_NAMESPACE') ?? d.namespace,
    intervalMs: period('INETSWARM_CAPACITY_INTERVAL_SECONDS', d.intervalMs),
    idleTimeoutMs: period('INETSWARM_IDLE_TIMEOUT_SECONDS', d.idleTimeoutMs),
    scaleUpCooldownMs: period('INETSWARM_SCALE_UP_COOLDOWN_SECONDS', d.scaleUpCooldownMs),
    scaleDownCooldownMs: period('INETSWARM_SCALE_DOWN_COOLDOWN_SECONDS', d.scaleDownCooldownMs),
    floor: integer(env, 'INETSWARM_NODE_FLOOR') ?? d.floor,
    reservedCpuPerNode: number(env, 'INETSWARM_RESERVED_CPU') ?? d.reservedCpuPerNode,
    alarmActions: list(env, 'INETSWARM_ALARM_ACTIONS') ?? [],
    costGuard: boolean(env, 'INETSWARM_COST_GUARD') ?? true,
  };
}

/** The capacity manager runs only where both an EKS cluster and its runner nodegroup are configured. */
export function capacityEnabled(config: Pick<CapacityConfig, 'clusterName' | 'nodegroupName'>): boolean {
  return Boolean(config.clusterName && config.nodegroupName);
}
