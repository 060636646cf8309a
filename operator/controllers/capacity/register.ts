// The capacity controller as the runtime registers it: it scales the EKS
// runner nodegroup with the work. Off unless INETSWARM_EKS_CLUSTER and
// INETSWARM_EKS_NODEGROUP are set; act.ts, and with it the AWS SDK, is
// loaded only when it is on. It has no manifests (it creates no Kubernetes
// objects but its status ConfigMap, lib/capacity/status.ts) and works on one
// periodic key rather than on objects: each pass requeues it after the
// interval, and its informers only keep the caches the demand is counted from.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CapacityAws } from '../../../lib/aws/nodegroups.ts';
import { capacityConfigFromEnv, capacityEnabled, type CapacityConfig } from '../../../lib/capacity/config.ts';
import type { ObservedDemand } from '../../../lib/capacity/observe.ts';
import type { ControllerContext, ControllerModule, Registration } from '../../runtime/registration.ts';
import { capacityInformers, demandFromCaches, newCapacityState, type CapacityInformers, type CapacityState } from './observe.ts';

/** The one key of the capacity controller's queue. */
export const CAPACITY_KEY = 'capacity';

export interface CapacityDeps {
  config: CapacityConfig;
  log: Logger;
  registry: Registry;
  /** Reaches the Kubernetes API for the demand and the status ConfigMap. */
  kubeConfig: KubeConfig;
  /** Replaces the demand counted from informer caches (tests without the CRDs); then no informers are made. */
  observeDemand?: () => Promise<ObservedDemand>;
  /** Replaces the AWS adapter built from config.aws. */
  aws?: CapacityAws;
  now?: () => Date;
}

/** A capacity registration; `caches` are its informers, undefined when the demand is injected. */
export interface CapacityRegistration extends Registration<CapacityState> {
  caches: CapacityInformers | undefined;
}

/** Registers the capacity controller; undefined (and logged) when no cluster and nodegroup are configured. */
export async function registerCapacity(deps: CapacityDeps): Promise<CapacityRegistration | undefined> {
  const { config } = deps;
  const log = deps.log.child({ component: 'capacity' });
  if (!capacityEnabled(config)) {
    log.info('Capacity manager disabled: no EKS cluster and nodegroup configured');
    return undefined;
  }
  const { capacityAws, capacityGauges, capacityPass } = await import('./act.ts');
  const caches = deps.observeDemand ? undefined : capacityInformers(deps.kubeConfig, log, config);
  const observeDemand = deps.observeDemand ?? (async () => demandFromCaches(caches as CapacityInformers, config));
  const aws = deps.aws ?? capacityAws(config);
  const passDeps = { config, kubeConfig: deps.kubeConfig, log, aws, gauges: capacityGauges(deps.registry), observeDemand, now: deps.now ?? (() => new Date()) };
  const state = newCapacityState();
  log.info({ cluster: config.clusterName, nodegroup: config.nodegroupName, intervalMs: config.intervalMs }, 'Capacity manager started');
  return {
    informers: caches ? Object.values(caches) : [],
    caches,
    state,
    periodicKey: CAPACITY_KEY,
    reconcile: async () => {
      await capacityPass(passDeps, state);
      return { requeueAfterMs: config.intervalMs };
    },
    close: async () => aws.destroy(),
  };
}

/** The capacity settings of this operator: from the environment, in the operator's namespace, over the watched namespace. */
function capacityConfigOf(context: ControllerContext): CapacityConfig {
  return { ...capacityConfigFromEnv(context.env), namespace: context.config.leaderElection.namespace, watchNamespace: context.config.watchNamespace };
}

export const capacityController: ControllerModule<CapacityState> = {
  name: 'capacity',
  register: (context) =>
    registerCapacity({ config: capacityConfigOf(context), log: context.log, registry: context.metrics.registry, kubeConfig: context.kubeConfig }),
};
