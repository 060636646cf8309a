// A keyed work queue with the semantics controllers need (after client-go's
// workqueue): a key waiting is queued once however often it is added, a key is
// never handed to two workers at once, a key added while it is being processed
// is processed again afterwards, failures back off exponentially per key, and
// a reconcile can ask to be called again after a delay.

/** Time source and timers; injected so that the queue can be tested without waiting. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface BackoffOptions {
  /** Delay after the first failure. */
  baseMs: number;
  /** Upper bound of the delay, however many failures in a row. */
  maxMs: number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 500, maxMs: 5 * 60_000 };

/** Delay before retrying after the `failures`-th failure in a row (1-based): base * 2^(failures-1), capped. */
export function backoffDelay(failures: number, options: BackoffOptions = defaultBackoff): number {
  if (failures <= 0) return 0;
  const exponent = Math.min(failures - 1, 40);
  return Math.min(options.baseMs * 2 ** exponent, options.maxMs);
}

export interface WorkQueueOptions {
  clock?: Clock;
  backoff?: BackoffOptions;
  /** Called whenever the number of waiting keys changes (for the queue-depth gauge). */
  onDepth?: (depth: number) => void;
}

/**
 * Lifecycle state: pending keys, keys in flight, delayed keys and per-key
 * failure counts. `get` resolves with the next key (or undefined once the
 * queue is shut down and no key is left to hand out); every key obtained
 * must be given back with `done`.
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly backoff: BackoffOptions;
  private readonly onDepth: (depth: number) => void;
  private readonly order: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; handle: unknown }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.backoff = options.backoff ?? defaultBackoff;
    this.onDepth = options.onDepth ?? (() => {});
  }

  /** Queues a key unless it is already waiting; a key in flight is queued again once it is done. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.order.push(key);
    this.dispatch();
  }

  /** Queues a key after a delay; an earlier pending delayed add of the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.clock.clearTimeout(existing.handle);
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { at, handle });
  }

  /** Queues a key after its exponential backoff delay and counts one more failure; returns the delay. */
  addRateLimited(key: string): number {
    const count = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, count);
    const delay = backoffDelay(count, this.backoff);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the failure count of a key (after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Failures in a row of a key. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting to be handed out (not counting delayed or in-flight keys). */
  get depth(): number {
    return this.order.length;
  }

  /** Keys handed out and not yet done. */
  get inFlight(): number {
    return this.processing.size;
  }

  /** Next key to process; undefined once shut down. */
  get(): Promise<string | undefined> {
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key);
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key obtained from `get` as processed; re-queues it if it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) {
      this.order.push(key);
      this.dispatch();
    }
    if (this.processing.size === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /**
   * Stops accepting keys, drops waiting and delayed keys, releases idle
   * workers, and resolves once every key in flight is done.
   */
  async shutDown(): Promise<void> {
    this.shuttingDown = true;
    for (const { handle } of this.delayed.values()) this.clock.clearTimeout(handle);
    this.delayed.clear();
    this.order.length = 0;
    this.dirty.clear();
    this.onDepth(0);
    for (const resolve of this.waiters.splice(0)) resolve(undefined);
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  private take(): string | undefined {
    const key = this.order.shift();
    if (key === undefined) return undefined;
    this.dirty.delete(key);
    this.processing.add(key);
    this.onDepth(this.order.length);
    return key;
  }

  private dispatch(): void {
    this.onDepth(this.order.length);
    while (this.waiters.length > 0 && this.order.length > 0) {
      const resolve = this.waiters.shift();
      const key = this.take();
      if (resolve && key !== undefined) resolve(key);
    }
  }
}
