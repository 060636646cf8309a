// The capacity manager's configuration, apart from the loop so that the
// operator can decide whether to load the loop (and the AWS SDK, about 90 MB
// of memory) at all: off the EKS path it never does.
import { PermanentError } from '../errors.ts';
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

/**
 * Reads the capacity configuration from environment variables (the Helm chart
 * sets them): INET_SWARM_EKS_CLUSTER, INET_SWARM_EKS_NODEGROUP, AWS_REGION,
 * INET_SWARM_AWS_ENDPOINT, INET_SWARM_AWS_MAX_ATTEMPTS, INET_SWARM_CAPACITY_INTERVAL_SECONDS,
 * INET_SWARM_IDLE_TIMEOUT_SECONDS, INET_SWARM_SCALE_UP_COOLDOWN_SECONDS,
 * INET_SWARM_SCALE_DOWN_COOLDOWN_SECONDS, INET_SWARM_NODE_FLOOR, INET_SWARM_RESERVED_CPU,
 * INET_SWARM_RUNNER_INSTANCE_TYPE, INET_SWARM_ALARM_ACTIONS (comma-separated ARNs),
 * INET_SWARM_COST_GUARD (false to skip the alarms), POD_NAMESPACE.
 */
export function capacityConfigFromEnv(env: NodeJS.ProcessEnv): CapacityConfig {
  const num = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new PermanentError(`${name} must be a non-negative number, got "${raw}"`);
    return value;
  };
  const d = defaultCapacityConfig;
  return {
    ...d,
    ...(env.INET_SWARM_EKS_CLUSTER ? { clusterName: env.INET_SWARM_EKS_CLUSTER } : {}),
    ...(env.INET_SWARM_EKS_NODEGROUP ? { nodegroupName: env.INET_SWARM_EKS_NODEGROUP } : {}),
    ...(env.INET_SWARM_RUNNER_INSTANCE_TYPE ? { instanceType: env.INET_SWARM_RUNNER_INSTANCE_TYPE } : {}),
    aws: {
      ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
      ...(env.INET_SWARM_AWS_ENDPOINT ? { endpoint: env.INET_SWARM_AWS_ENDPOINT } : {}),
      maxAttempts: num('INET_SWARM_AWS_MAX_ATTEMPTS', 4),
    },
    namespace: env.POD_NAMESPACE ?? d.namespace,
    intervalMs: num('INET_SWARM_CAPACITY_INTERVAL_SECONDS', d.intervalMs / 1000) * 1000,
    idleTimeoutMs: num('INET_SWARM_IDLE_TIMEOUT_SECONDS', d.idleTimeoutMs / 1000) * 1000,
    scaleUpCooldownMs: num('INET_SWARM_SCALE_UP_COOLDOWN_SECONDS', d.scaleUpCooldownMs / 1000) * 1000,
    scaleDownCooldownMs: num('INET_SWARM_SCALE_DOWN_COOLDOWN_SECONDS', d.scaleDownCooldownMs / 1000) * 1000,
    floor: num('INET_SWARM_NODE_FLOOR', d.floor),
    reservedCpuPerNode: num('INET_SWARM_RESERVED_CPU', d.reservedCpuPerNode),
    alarmActions: (env.INET_SWARM_ALARM_ACTIONS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    costGuard: env.INET_SWARM_COST_GUARD !== 'false',
  };
}

/** The capacity manager runs only where both an EKS cluster and its runner nodegroup are configured. */
export function capacityEnabled(config: Pick<CapacityConfig, 'clusterName' | 'nodegroupName'>): boolean {
  return Boolean(config.clusterName && config.nodegroupName);
}
