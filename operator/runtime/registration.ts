// The template every controller follows. A controller is a module
// (`controllers/<kind>/register.ts`) that names itself and, given what the
// process shares, registers: it makes its informers (enqueueing into a queue
// the runtime made beforehand), its reconcile and the state that reconcile
// keeps across calls. The runtime starts every registration the same way:
// informers first, workers once the caches have synced, then the periodic key
// of a controller that works on a timer rather than on objects.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config.ts';
import { Controller, controllerQueue, type Reconcile, type ReconcileResult } from './controller.ts';
import type { OperatorMetrics } from './metrics.ts';
import type { TenantStores } from './tenant-store.ts';
import type { BackoffOptions } from './queue.ts';

/** What the operator process shares with every controller. */
export interface SharedContext {
  kubeConfig: KubeConfig;
  /** Each namespace's database and store login (a namespace's records are read in its own database only). */
  stores: TenantStores;
  config: OperatorConfig;
  /** The environment, for a controller whose settings are not (yet) in OperatorConfig. */
  env: NodeJS.ProcessEnv;
  log: Logger;
  metrics: OperatorMetrics;
}

/** What a controller's register() is given: the shared context and its own queue. */
export interface ControllerContext extends SharedContext {
  /** Adds a key (`namespace/name`, or a periodic key) to this controller's work queue. */
  enqueue: (key: string) => void;
}

/** A cache the runtime starts before the workers and stops on shutdown (a ResilientInformer). */
export interface Cache {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly synced: Promise<void>;
}

/** What a controller's register() returns. */
export interface Registration<State = unknown> {
  informers: readonly Cache[];
  reconcile: Reconcile;
  /** Everything the reconcile remembers across calls, in one object tests can read. */
  state: State;
  /** Enqueued once when the workers start; the reconcile requeues it after its interval. */
  periodicKey?: string;
  /** Releases what register() opened (connections, clients); called after the workers stopped. */
  close?(): Promise<void>;
}

/** A controller: its name (queue, metrics and logs use it) and how to register it. */
export interface ControllerModule<State = unknown> {
  name: string;
  /** Undefined when the controller is off in this configuration; it has logged why. */
  register(context: ControllerContext): Promise<Registration<State> | undefined>;
}

/** The steps of an object controller's reconcile; `observe` returns undefined for an object that is gone. */
export interface Steps<Observed extends { observation: Observation }, Observation, Decision> {
  observe(key: string): Promise<Observed | undefined>;
  /** Pure: the decide.ts of the controller. */
  decide(observation: Observation): Decision;
  act(observed: Observed, decision: Decision): Promise<ReconcileResult>;
}

/** A reconcile of observe -> decide -> act, the shape of every object controller. */
export function observeDecideAct<Observed extends { observation: Observation }, Observation, Decision>(
  steps: Steps<Observed, Observation, Decision>,
): Reconcile {
  return async (key) => {
    const observed = await steps.observe(key);
    if (!observed) return {};
    return steps.act(observed, steps.decide(observed.observation));
  };
}

/** The registration of an object controller: its informers, its state and its observe -> decide -> act. */
export function objectController<State, Informers extends Record<keyof Informers, Cache>, Observed extends { observation: Observation }, Observation, Decision>(
  informers: Informers,
  state: State,
  steps: Steps<Observed, Observation, Decision>,
): Registration<State> {
  return { informers: Object.values<Cache>(informers), state, reconcile: observeDecideAct(steps) };
}

/** A registered controller: its workers and what it registered. */
export interface Registered<State = unknown> {
  name: string;
  controller: Controller;
  registration: Registration<State>;
}

/** Registers one controller: makes its queue, calls its register(), and puts workers on the queue (not started). */
export async function register<State>(
  module: ControllerModule<State>,
  shared: SharedContext,
  options: { workers: number; backoff?: BackoffOptions },
): Promise<Registered<State> | undefined> {
  const { name } = module;
  const queue = controllerQueue(name, shared.metrics, options.backoff);
  const registration = await module.register({ ...shared, enqueue: (key) => queue.add(key) });
  if (!registration) return undefined;
  const controller = new Controller({ name, queue, reconcile: registration.reconcile, workers: options.workers, log: shared.log, metrics: shared.metrics });
  return { name, controller, registration };
}

/** Starts the informers of every registered controller and resolves once all caches have synced. */
export async function startCaches(registered: readonly Registered[]): Promise<void> {
  const caches = registered.flatMap((r) => r.registration.informers);
  await Promise.all(caches.map((c) => c.start()));
  await Promise.all(caches.map((c) => c.synced));
}

/** Starts the workers of a registered controller, and its periodic key. */
export function startWorkers(registered: Registered): void {
  registered.controller.start();
  if (registered.registration.periodicKey !== undefined) registered.controller.enqueue(registered.registration.periodicKey);
}

/** Stops informers, then workers (waiting for reconciles in flight), then closes what each controller opened. */
export async function stopAll(registered: readonly Registered[]): Promise<void> {
  await Promise.all(registered.flatMap((r) => r.registration.informers).map((c) => c.stop()));
  await Promise.all(registered.map((r) => r.controller.stop()));
  for (const r of registered) await r.registration.close?.();
}
