import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue, backoffDelay, type Clock } from '../../operator/runtime/queue.ts';

/** A clock that only moves when the test advances it. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = next++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout(handle) {
      timers = timers.filter((t) => t.id !== handle);
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
  };
}

/** The key waiting now, or 'nothing' (get() answers at once when a key waits). */
async function poll(queue: WorkQueue): Promise<string | 'nothing'> {
  return queue.depth > 0 ? ((await queue.get()) ?? 'nothing') : 'nothing';
}

describe('backoffDelay', () => {
  const table: { failures: number; expected: number }[] = [
    { failures: 0, expected: 0 },
    { failures: 1, expected: 100 },
    { failures: 2, expected: 200 },
    { failures: 3, expected: 400 },
    { failures: 5, expected: 1000 },
    { failures: 500, expected: 1000 },
  ];
  for (const { failures, expected } of table) {
    it(`waits ${expected} ms after ${failures} failures in a row (base 100, cap 1000)`, () => {
      assert.equal(backoffDelay(failures, { baseMs: 100, maxMs: 1000 }), expected);
    });
  }
});

describe('WorkQueue', () => {
  it('hands out a key added several times while waiting only once', async () => {
    const queue = new WorkQueue({ clock: manualClock() });
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/b');
    assert.equal(queue.depth, 2);
    assert.equal(await poll(queue), 'ns/a');
    assert.equal(await poll(queue), 'ns/b');
    assert.equal(await poll(queue), 'nothing');
  });

  it('never hands a key in flight to a second worker, and processes it again after it is done', async () => {
    const queue = new WorkQueue({ clock: manualClock() });
    queue.add('ns/a');
    const first = await poll(queue);
    assert.equal(first, 'ns/a');
    queue.add('ns/a');
    assert.equal(await poll(queue), 'nothing');
    queue.done('ns/a');
    assert.equal(await poll(queue), 'ns/a');
  });

  it('does not process a key again when it was not added while in flight', async () => {
    const queue = new WorkQueue({ clock: manualClock() });
    queue.add('ns/a');
    await poll(queue);
    queue.done('ns/a');
    assert.equal(await poll(queue), 'nothing');
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const queue = new WorkQueue({ clock: manualClock() });
    const waiting = queue.get();
    queue.add('ns/a');
    assert.equal(await waiting, 'ns/a');
  });

  it('backs off exponentially per key on failures and starts over after forget', async () => {
    const clock = manualClock();
    const queue = new WorkQueue({ clock, backoff: { baseMs: 100, maxMs: 250 } });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      delays.push(queue.addRateLimited('ns/a'));
    }
    assert.deepEqual(delays, [100, 200, 250, 250]);
    assert.equal(queue.numRequeues('ns/a'), 4);
    queue.forget('ns/a');
    assert.equal(queue.numRequeues('ns/a'), 0);
    assert.equal(queue.addRateLimited('ns/a'), 100);
  });

  it('queues a rate-limited key only once its delay has passed', async () => {
    const clock = manualClock();
    const queue = new WorkQueue({ clock, backoff: { baseMs: 100, maxMs: 1000 } });
    queue.addRateLimited('ns/a');
    clock.advance(99);
    assert.equal(await poll(queue), 'nothing');
    clock.advance(1);
    assert.equal(await poll(queue), 'ns/a');
  });

  it('requeues after the requested delay, the earliest of two requests winning', async () => {
    const clock = manualClock();
    const queue = new WorkQueue({ clock });
    queue.addAfter('ns/a', 5000);
    queue.addAfter('ns/a', 2000);
    queue.addAfter('ns/a', 8000);
    clock.advance(1999);
    assert.equal(await poll(queue), 'nothing');
    clock.advance(1);
    assert.equal(await poll(queue), 'ns/a');
    queue.done('ns/a');
    clock.advance(10_000);
    assert.equal(await poll(queue), 'nothing');
  });

  it('reports its depth as keys come and go', async () => {
    const depths: number[] = [];
    const queue = new WorkQueue({ clock: manualClock(), onDepth: (d) => depths.push(d) });
    queue.add('ns/a');
    queue.add('ns/b');
    await poll(queue);
    assert.equal(depths.at(-1), 1);
    assert.equal(queue.depth, 1);
  });

  it('on shutdown releases idle workers, drops waiting keys and waits for keys in flight', async () => {
    const clock = manualClock();
    const queue = new WorkQueue({ clock });
    queue.add('ns/a');
    queue.add('ns/b');
    queue.addAfter('ns/c', 1000);
    const key = await queue.get();
    assert.equal(key, 'ns/a');
    let drained = false;
    const shutdown = queue.shutDown().then(() => {
      drained = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false, 'shutdown must wait for the key in flight');
    assert.equal(await queue.get(), undefined);
    clock.advance(2000);
    queue.add('ns/d');
    assert.equal(queue.depth, 0);
    queue.done('ns/a');
    await shutdown;
    assert.equal(drained, true);
  });
});
