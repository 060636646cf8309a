import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalQueue, type LocalTask } from '../../cli/local/queue.ts';

/** Drains the queue with `workers` concurrent takers; `handle` decides what happens to each task. */
async function drain(
  queue: LocalQueue,
  workers: number,
  handle: (task: LocalTask) => { retryAfterMs?: number } | void,
): Promise<LocalTask[]> {
  const taken: LocalTask[] = [];
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let task = await queue.take(); task !== undefined; task = await queue.take()) {
        taken.push(task);
        await new Promise((resolve) => setImmediate(resolve));
        const verdict = handle(task);
        queue.done(verdict?.retryAfterMs === undefined ? undefined : { task: { ...task, attempt: task.attempt + 1 }, delayMs: verdict.retryAfterMs });
      }
    }),
  );
  return taken;
}

describe('LocalQueue', () => {
  it('hands every task out once and then ends every worker', async () => {
    const queue = new LocalQueue([0, 1, 2, 3, 4].map((run) => ({ run, attempt: 1 })));
    const taken = await drain(queue, 3, () => undefined);
    assert.deepEqual(taken.map((t) => t.run).sort(), [0, 1, 2, 3, 4]);
  });

  it('keeps workers waiting while a retry is delayed, then hands the retry out', async () => {
    const queue = new LocalQueue([{ run: 7, attempt: 1 }]);
    const started = Date.now();
    const taken = await drain(queue, 2, (task) => (task.attempt === 1 ? { retryAfterMs: 50 } : undefined));
    assert.deepEqual(taken, [
      { run: 7, attempt: 1 },
      { run: 7, attempt: 2 },
    ]);
    assert.ok(Date.now() - started >= 45, 'the retry waited for its delay');
  });

  it('stops handing out tasks after close, and drops retries that come back later', async () => {
    const queue = new LocalQueue([0, 1, 2].map((run) => ({ run, attempt: 1 })));
    const first = await queue.take();
    assert.deepEqual(first, { run: 0, attempt: 1 });
    assert.equal(queue.close(), 2, 'runs 1 and 2 are dropped');
    queue.done({ task: { run: 0, attempt: 2 }, delayMs: 0 });
    assert.equal(await queue.take(), undefined);
  });

  it('wakes a waiting worker when the queue is closed', async () => {
    const queue = new LocalQueue([{ run: 0, attempt: 1 }]);
    await queue.take();
    const waiting = queue.take();
    queue.close();
    assert.equal(await waiting, undefined);
  });
});
