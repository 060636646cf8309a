// Runs a reconcile function over a work queue with a few workers: success
// forgets the key's backoff, a requested requeue comes back after its delay,
// a temporary error backs off, a permanent error is logged and not retried
// (the reconcile has recorded it in a condition).
import type { Logger } from 'pino';
import { PermanentError } from '../../lib/errors.ts';
import type { OperatorMetrics } from './metrics.ts';
import { WorkQueue, type BackoffOptions } from './queue.ts';

/** What a reconcile asks for after it succeeded. */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

export type Reconcile = (key: string) => Promise<ReconcileResult | void>;

export interface ControllerOptions {
  name: string;
  reconcile: Reconcile;
  workers: number;
  log: Logger;
  metrics: OperatorMetrics;
  backoff?: BackoffOptions;
  /** The queue to work on, made beforehand with `controllerQueue` when informers must enqueue before the reconcile exists. */
  queue?: WorkQueue;
}

/** A controller's work queue, reporting its depth in the queue-depth gauge under the controller's name. */
export function controllerQueue(name: string, metrics: OperatorMetrics, backoff?: BackoffOptions): WorkQueue {
  const gauge = metrics.queueDepth.labels(name);
  gauge.set(0);
  return new WorkQueue({ ...(backoff ? { backoff } : {}), onDepth: (depth) => gauge.set(depth) });
}

/** A named controller: its queue and its workers. */
export class Controller {
  readonly queue: WorkQueue;
  private workers: Promise<void>[] = [];

  constructor(private readonly options: ControllerOptions) {
    this.queue = options.queue ?? controllerQueue(options.name, options.metrics, options.backoff);
  }

  get name(): string {
    return this.options.name;
  }

  enqueue = (key: string): void => {
    this.queue.add(key);
  };

  start(): void {
    for (let i = 0; i < this.options.workers; i++) this.workers.push(this.work());
  }

  /** Stops taking keys and waits for the reconciles in flight. */
  async stop(): Promise<void> {
    await this.queue.shutDown();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    const { name, reconcile, log, metrics } = this.options;
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const started = Date.now();
      try {
        const result = await reconcile(key);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) {
          this.queue.addAfter(key, result.requeueAfterMs);
          metrics.reconciles.labels(name, 'requeue').inc();
        } else {
          metrics.reconciles.labels(name, 'success').inc();
        }
      } catch (error) {
        metrics.reconciles.labels(name, 'error').inc();
        if (error instanceof PermanentError) {
          metrics.reconcileErrors.labels(name, 'permanent').inc();
          this.queue.forget(key);
          log.error({ controller: name, key, err: error.message }, 'Reconcile failed permanently');
        } else {
          metrics.reconcileErrors.labels(name, 'temporary').inc();
          const delay = this.queue.addRateLimited(key);
          log.warn(
            { controller: name, key, err: error instanceof Error ? error.message : String(error), retryInMs: delay },
            'Reconcile failed, retrying',
          );
        }
      } finally {
        log.debug({ controller: name, key, ms: Date.now() - started }, 'Reconciled');
        this.queue.done(key);
      }
    }
  }
}
