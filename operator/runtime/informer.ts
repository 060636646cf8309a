// An informer that survives: @kubernetes/client-node 1.x informers stop for
// good on any watch error other than 410 Gone, so this wrapper restarts them
// with exponential backoff. It only turns objects into work-queue keys; the
// reconcile reads the current state from the cache, never from the event.
import { ListWatch, Watch, type KubeConfig, type KubernetesObject, type ListPromise } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { backoffDelay, type BackoffOptions } from './queue.ts';
import { apiMessage } from '../../lib/kube/errors.ts';

export interface WatchOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** Human name for logs, e.g. `jobs`. */
  name: string;
  /** Watch path, e.g. `/apis/batch/v1/jobs`. */
  path: string;
  list: ListPromise<T>;
  labelSelector?: string;
  /** A field selector (e.g. unfinished pods only); the list call must apply the same one. */
  fieldSelector?: string;
  /** Keys (`namespace/name`) to enqueue for an object that was added, changed or deleted. */
  keys: (obj: T) => string[];
  enqueue: (key: string) => void;
  log: Logger;
  backoff?: BackoffOptions;
}

/** Keys of the controlling owners of `kind` (e.g. the InetBuild of a Job). */
export function controllerKeys(kind: string, apiVersionPrefix: string) {
  return (obj: KubernetesObject): string[] =>
    (obj.metadata?.ownerReferences ?? [])
      .filter((ref) => ref.controller && ref.kind === kind && ref.apiVersion.startsWith(apiVersionPrefix))
      .map((ref) => `${obj.metadata?.namespace ?? ''}/${ref.name}`);
}

/** The key of the object a label names in the same namespace (e.g. the campaign of a runner pod). */
export function labelKeys(label: string) {
  return (obj: KubernetesObject): string[] => {
    const name = obj.metadata?.labels?.[label];
    return name ? [`${obj.metadata?.namespace ?? ''}/${name}`] : [];
  };
}

/**
 * A running watch with its cache. Lifecycle state: the current informer,
 * the restart timer and the consecutive failure count.
 */
export class ResilientInformer<T extends KubernetesObject> {
  private informer: ListWatch<T>;
  private failures = 0;
  private errors = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private syncedOnce = false;
  private resolveSynced: (() => void) | undefined;
  /** Number of times the watch was restarted after an error (exposed for tests and logs). */
  restarts = 0;
  /** Resolves after the first successful list. */
  readonly synced: Promise<void>;

  constructor(private readonly options: WatchOptions<T>) {
    this.synced = new Promise((resolve) => {
      this.resolveSynced = resolve;
    });
    this.informer = this.create();
  }

  /** Object from the cache. */
  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  /** Objects from the cache, optionally of one namespace. */
  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  get hasSynced(): boolean {
    return this.syncedOnce;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.startInformer();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.informer.stop();
  }

  private create(): ListWatch<T> {
    const { kubeConfig, path, list, labelSelector, fieldSelector, keys, enqueue } = this.options;
    // Not started here: start() starts it, so that a failed first list is retried like any watch error.
    const informer = new ListWatch<T>(path, new Watch(kubeConfig), list, false, labelSelector, fieldSelector);
    const handler = (obj: T) => {
      this.failures = 0;
      for (const key of keys(obj)) enqueue(key);
    };
    informer.on('add', handler);
    informer.on('update', handler);
    informer.on('delete', handler);
    informer.on('error', (err?: unknown) => this.onError(err));
    return informer;
  }

  private async startInformer(): Promise<void> {
    const errorsBefore = this.errors;
    try {
      await this.informer.start();
      if (this.errors !== errorsBefore || this.informer.latestResourceVersion() === '') return;
      this.failures = 0;
      if (!this.syncedOnce) {
        this.syncedOnce = true;
        this.resolveSynced?.();
      }
    } catch (error) {
      this.onError(error);
    }
  }

  private onError(error: unknown): void {
    this.errors += 1;
    if (this.stopped || this.restartTimer) return;
    this.failures += 1;
    const delay = backoffDelay(this.failures, this.options.backoff ?? { baseMs: 500, maxMs: 30_000 });
    this.options.log.warn(
      { informer: this.options.name, err: apiMessage(error), retryInMs: delay },
      'Watch stopped, restarting',
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.restarts += 1;
      void this.startInformer();
    }, delay);
  }
}
