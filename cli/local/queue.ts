// The in-process work queue of `run --local`: the counterpart of the
// campaign's JetStream consumer. A retried run goes back in after its backoff
// delay (a nak with delay) without holding a worker while it waits.

/** One run to attempt; `attempt` is 1-based and counts attempts already made + 1. */
export interface LocalTask {
  run: number;
  attempt: number;
}

/** A queue whose `take` resolves undefined once no task is queued, delayed or in flight, or after `close`. */
export class LocalQueue {
  private readonly items: LocalTask[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiters: Array<() => void> = [];
  private inFlight = 0;
  private closed = false;

  constructor(tasks: LocalTask[]) {
    // One at a time: a spread passes each task as an argument, past the call stack above ~120,000 runs.
    for (const task of tasks) this.items.push(task);
  }

  /** Waits for the next task; the caller must call `done` when it has finished with it. */
  async take(): Promise<LocalTask | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const next = this.items.shift();
      if (next !== undefined) {
        this.inFlight += 1;
        return next;
      }
      if (this.inFlight === 0 && this.timers.size === 0) {
        this.wakeAll();
        return undefined;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Marks a taken task as finished; `retry` puts it back after `delayMs`. */
  done(retry?: { task: LocalTask; delayMs: number }): void {
    this.inFlight -= 1;
    if (retry !== undefined && !this.closed) {
      if (retry.delayMs <= 0) {
        this.items.push(retry.task);
      } else {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.items.push(retry.task);
          this.wakeAll();
        }, retry.delayMs);
        this.timers.add(timer);
      }
    }
    this.wakeAll();
  }

  /** Stops handing out tasks (Ctrl-C); returns the runs that will not be attempted. */
  close(): number {
    this.closed = true;
    const dropped = this.items.length + this.timers.size;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.items.length = 0;
    this.wakeAll();
    return dropped;
  }

  private wakeAll(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
