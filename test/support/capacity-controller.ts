// The capacity controller registered through the runtime as main.ts does,
// with two ways to drive it: `tick()` asks for one pass through its work
// queue (no requeue afterwards, so a test decides when the next pass runs),
// `start()` lets it run on its periodic key as in the operator. A tick first
// waits until the informer caches hold what the API server holds, so that a
// test's last write is seen (the operator's passes are far apart).
import { CoreV1Api, CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import type { TenantStores } from '../../operator/runtime/tenant-store.ts';
import { GROUP, INET_BUILD, SIMULATION_CAMPAIGN, VERSION } from '../../api/v1alpha1.ts';
import { UNFINISHED_PODS } from '../../lib/capacity/observe.ts';
import { Registry } from 'prom-client';
import type { OperatorConfig } from '../../operator/config.ts';
import type { Reconcile } from '../../operator/runtime/controller.ts';
import { createMetrics } from '../../operator/runtime/metrics.ts';
import { register, startCaches, stopAll, type Registered } from '../../operator/runtime/registration.ts';
import { CAPACITY_KEY, registerCapacity, type CapacityDeps, type CapacityRegistration } from '../../operator/controllers/capacity/register.ts';
import type { CapacityInformers, CapacityState, PassResult } from '../../operator/controllers/capacity/observe.ts';
import { eventually } from './eventually.ts';

export interface CapacityHarness {
  /** False when the configuration leaves the controller off (register() returned nothing). */
  enabled: boolean;
  /** The controller's state across passes; undefined when off. */
  state: CapacityState | undefined;
  registration: CapacityRegistration | undefined;
  /** One pass through the work queue; resolves with the result of the first pass that began after the call ({} when off). */
  tick(): Promise<PassResult>;
  /** Runs the controller on its periodic key, as the operator does. */
  start(): void;
  stop(): Promise<void>;
}

/** Registers the capacity controller with `deps` (its workers start on the first tick or start). */
export async function capacityController(deps: CapacityDeps): Promise<CapacityHarness> {
  let registration: CapacityRegistration | undefined;
  let periodic = false;
  let requested = 0;
  let served = 0;
  const waiters: { ticket: number; resolve: (result: PassResult) => void }[] = [];
  const passes = (inner: Reconcile): Reconcile => async (key) => {
    const covers = requested;
    try {
      const result = await inner(key);
      return periodic ? result : {};
    } finally {
      served = Math.max(served, covers);
      for (const waiter of waiters.filter((w) => w.ticket <= served)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(registration?.state.lastPass ?? {});
      }
    }
  };
  const module = {
    name: 'capacity',
    register: async () => {
      registration = await registerCapacity(deps);
      return registration && { ...registration, reconcile: passes(registration.reconcile) };
    },
  };
  // The capacity controller uses none of the shared context but the queue; its metrics go to deps.registry.
  const shared = { kubeConfig: deps.kubeConfig, stores: {} as TenantStores, config: {} as OperatorConfig, env: {}, log: deps.log, metrics: createMetrics(new Registry()) };
  const registered: Registered | undefined = await register(module, shared, { workers: 2 });
  let up: Promise<void> | undefined;
  const workersUp = (r: Registered) =>
    (up ??= startCaches([r]).then(() => r.controller.start()));
  return {
    enabled: registered !== undefined,
    state: registration?.state,
    registration,
    tick: async () => {
      if (!registered) return {};
      await workersUp(registered);
      if (registration?.caches) await caughtUp(registration.caches, deps);
      const ticket = ++requested;
      const result = new Promise<PassResult>((resolve) => waiters.push({ ticket, resolve }));
      registered.controller.enqueue(CAPACITY_KEY);
      return result;
    },
    start: () => {
      if (!registered) return;
      periodic = true;
      void workersUp(registered).then(() => registered.controller.enqueue(CAPACITY_KEY));
    },
    stop: async () => {
      if (registered) await stopAll([registered]);
    },
  };
}

const keys = (objects: readonly KubernetesObject[], withVersion = true): string =>
  objects
    .map((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}${withVersion ? `@${o.metadata?.resourceVersion ?? ''}` : ''}`)
    .sort()
    .join(',');

/** Waits until the caches hold the objects a list returns (nodes by name only: the kubelet's updates never stop). */
async function caughtUp(caches: CapacityInformers, deps: CapacityDeps): Promise<void> {
  const custom = deps.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = deps.kubeConfig.makeApiClient(CoreV1Api);
  const namespace = deps.config.watchNamespace;
  const listCustom = async (plural: string) =>
    ((namespace
      ? await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural })
      : await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural })) as { items: KubernetesObject[] }).items;
  const listPods = async () =>
    (namespace ? await core.listNamespacedPod({ namespace, fieldSelector: UNFINISHED_PODS }) : await core.listPodForAllNamespaces({ fieldSelector: UNFINISHED_PODS })).items;
  const probe = async () => {
    const [campaigns, builds, nodes, pods] = await Promise.all([
      listCustom(SIMULATION_CAMPAIGN.plural),
      listCustom(INET_BUILD.plural),
      core.listNode({ labelSelector: deps.config.runnerNodeSelector }),
      listPods(),
    ]);
    const same =
      keys(campaigns) === keys(caches.campaigns.list()) &&
      keys(builds) === keys(caches.builds.list()) &&
      keys(pods) === keys(caches.pods.list()) &&
      keys(nodes.items, false) === keys(caches.nodes.list(), false);
    return same ? true : undefined;
  };
  await eventually('the capacity caches hold what the API server holds', probe, 10_000, 50);
}
