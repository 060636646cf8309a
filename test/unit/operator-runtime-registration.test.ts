import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { TenantStores } from '../../operator/runtime/tenant-store.ts';
import type { KubeConfig } from '@kubernetes/client-node';
import type { OperatorConfig } from '../../operator/config.ts';
import { createMetrics } from '../../operator/runtime/metrics.ts';
import { observeDecideAct, register, startCaches, startWorkers, stopAll, type ControllerModule, type SharedContext } from '../../operator/runtime/registration.ts';

const shared = (): SharedContext => ({
  kubeConfig: {} as KubeConfig,
  stores: {} as TenantStores,
  config: {} as OperatorConfig,
  env: {},
  log: pino({ level: 'silent' }),
  metrics: createMetrics(new Registry()),
});

describe('register', () => {
  it('gives register() a queue to enqueue into before its reconcile exists', async () => {
    const seen: string[] = [];
    const module: ControllerModule<{ seen: string[] }> = {
      name: 'early',
      register: async (context) => {
        context.enqueue('ns/first');
        return { informers: [], state: { seen }, reconcile: async (key) => void seen.push(key) };
      },
    };
    const registered = await register(module, shared(), { workers: 1 });
    assert.ok(registered);
    startWorkers(registered);
    await sleep(20);
    await stopAll([registered]);
    assert.deepEqual(registered.registration.state, { seen: ['ns/first'] });
  });

  it('leaves a controller that registers nothing off', async () => {
    const module: ControllerModule = { name: 'off', register: async () => undefined };
    assert.equal(await register(module, shared(), { workers: 1 }), undefined);
  });

  it('starts a periodic key with the workers, and requeues it after the interval the reconcile asks for', async () => {
    let passes = 0;
    const module: ControllerModule = {
      name: 'periodic',
      register: async () => ({ informers: [], state: {}, periodicKey: 'tick', reconcile: async () => ({ requeueAfterMs: (passes += 1, 10) }) }),
    };
    const registered = await register(module, shared(), { workers: 1 });
    assert.ok(registered);
    startWorkers(registered);
    await sleep(80);
    await stopAll([registered]);
    const stoppedAt = passes;
    assert.ok(stoppedAt >= 3, `ran ${stoppedAt} passes`);
    await sleep(40);
    assert.equal(passes, stoppedAt, 'no pass after stop');
  });

  it('starts every informer, waits for them to sync, and stops and closes them', async () => {
    const events: string[] = [];
    const cache = (name: string) => ({
      start: async () => void events.push(`start ${name}`),
      stop: async () => void events.push(`stop ${name}`),
      synced: Promise.resolve(),
    });
    const module: ControllerModule = {
      name: 'cached',
      register: async () => ({ informers: [cache('a'), cache('b')], state: {}, reconcile: async () => {}, close: async () => void events.push('close') }),
    };
    const registered = await register(module, shared(), { workers: 1 });
    assert.ok(registered);
    await startCaches([registered]);
    await stopAll([registered]);
    assert.deepEqual(events, ['start a', 'start b', 'stop a', 'stop b', 'close']);
  });
});

describe('observeDecideAct', () => {
  const steps = (observed: { observation: number } | undefined, calls: string[]) =>
    observeDecideAct({
      observe: async (key) => (calls.push(`observe ${key}`), observed),
      decide: (n: number) => (calls.push(`decide ${n}`), n * 2),
      act: async (_observed, decision) => (calls.push(`act ${decision}`), { requeueAfterMs: decision }),
    });

  it('decides from the observation and acts on the decision', async () => {
    const calls: string[] = [];
    assert.deepEqual(await steps({ observation: 21 }, calls)('ns/a'), { requeueAfterMs: 42 });
    assert.deepEqual(calls, ['observe ns/a', 'decide 21', 'act 42']);
  });

  it('neither decides nor acts for an object that is gone', async () => {
    const calls: string[] = [];
    assert.deepEqual(await steps(undefined, calls)('ns/gone'), {});
    assert.deepEqual(calls, ['observe ns/gone']);
  });
});
