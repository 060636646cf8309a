// The controller runtime against the real API server of the local stack:
// an informer that survives a broken watch, leader election between two
// candidates, and the metrics/health endpoints of a running controller.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { execFile, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, CoreV1Api, KubeConfig, V1MicroTime, type V1ConfigMap } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { useStack } from '../stack/env.ts';
import type { StackInfo } from '../stack/types.ts';
import { freePort } from '../stack/process.ts';
import { ResilientInformer } from '../../operator/runtime/informer.ts';
import { LeaderElector } from '../../operator/runtime/leader.ts';
import { Controller } from '../../operator/runtime/controller.ts';
import { createMetrics, startHealthServer } from '../../operator/runtime/metrics.ts';
import { TemporaryError } from '../../lib/errors.ts';
import { eventually } from '../support/eventually.ts';

const log = pino({ level: process.env.INETSWARM_TEST_LOG_LEVEL ?? 'silent' });
const namespace = `runtime-${process.pid}-${Date.now().toString(36)}`;
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let stack: StackInfo;
let kubeConfig: KubeConfig;
let core: CoreV1Api;

/**
 * A TCP proxy to the API server whose connections the test can cut and refuse for a while, or freeze: then every
 * open connection and every new one is held without a byte passing, as by an API server that hangs.
 */
async function startProxy(target: URL): Promise<{ port: number; cut(refuseMs: number): Promise<void>; freeze(): void; close(): void }> {
  const sockets = new Set<Socket>();
  let server: Server;
  let frozen = false;
  const links: [Socket, Socket][] = [];
  const listen = (port: number) =>
    new Promise<number>((resolve) => {
      server = createServer((client) => {
        sockets.add(client);
        if (frozen) {
          client.on('error', () => client.destroy());
          return;
        }
        const upstream = connect(Number(target.port), target.hostname);
        sockets.add(upstream);
        client.pipe(upstream).pipe(client);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        links.push([client, upstream]);
      });
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  const port = await listen(0);
  return {
    port,
    async cut(refuseMs) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      await sleep(refuseMs);
      await listen(port);
    },
    freeze() {
      frozen = true;
      for (const [client, upstream] of links) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    close() {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** The test's kubeconfig, but reaching the API server through the proxy on `port`. */
function throughProxy(port: number): KubeConfig {
  const cluster = kubeConfig.getCurrentCluster();
  assert.ok(cluster);
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ ...cluster, server: `https://127.0.0.1:${port}` }],
    users: kubeConfig.users,
    contexts: kubeConfig.contexts,
    currentContext: kubeConfig.currentContext,
  });
  return config;
}

/** Samples both candidates every 20 ms; `overlapped` says whether both ever led at once. */
function watchBoth(a: LeaderElector, b: LeaderElector): { overlapped(): boolean; stop(): void } {
  let both = false;
  const timer = setInterval(() => {
    if (a.isLeader && b.isLeader) both = true;
  }, 20);
  return { overlapped: () => both, stop: () => clearInterval(timer) };
}

before(async () => {
  stack = await useStack();
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(stack.kubeconfig);
  core = kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

after(async () => {
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
});

describe('ResilientInformer', () => {
  it('restarts its watch after the connection to the API server broke and sees later changes', async () => {
    const cluster = kubeConfig.getCurrentCluster();
    assert.ok(cluster);
    const proxy = await startProxy(new URL(cluster.server));
    const viaProxy = throughProxy(proxy.port);
    const proxiedCore = viaProxy.makeApiClient(CoreV1Api);
    const keys = new Set<string>();
    const informer = new ResilientInformer<V1ConfigMap>({
      kubeConfig: viaProxy,
      name: 'configmaps',
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      list: () => proxiedCore.listNamespacedConfigMap({ namespace }),
      keys: (cm) => [`${cm.metadata?.namespace ?? ''}/${cm.metadata?.name ?? ''}`],
      enqueue: (key) => keys.add(key),
      log,
      backoff: { baseMs: 200, maxMs: 1000 },
    });
    try {
      await informer.start();
      await informer.synced;
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'before-break' } } });
      await eventually('the informer saw the first ConfigMap', () => keys.has(`${namespace}/before-break`));

      await proxy.cut(1500);
      await eventually('the informer restarted after the broken watch', () => informer.restarts >= 1);
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'after-break' } } });
      await eventually('the informer saw the ConfigMap created after the break', () => keys.has(`${namespace}/after-break`));
      assert.ok(informer.get('after-break', namespace), 'the cache holds the new ConfigMap');
    } finally {
      await informer.stop();
      proxy.close();
    }
  });
});

describe('LeaderElector', () => {
  it('lets only one of two candidates lead, and the other take over after a release and after an expiry', async () => {
    const lease = 'operator-test';
    const options = { kubeConfig, namespace, name: lease, leaseDurationSeconds: 2, retryPeriodMs: 200, renewDeadlineMs: 1500, log };
    const first = new LeaderElector({ ...options, identity: 'first' });
    const second = new LeaderElector({ ...options, identity: 'second' });
    const leases = kubeConfig.makeApiClient(CoordinationV1Api);
    let both = false;
    const watchdog = setInterval(() => {
      if (first.isLeader && second.isLeader) both = true;
    }, 20);
    try {
      assert.equal(await first.acquire(), true);
      let secondLeads = false;
      const secondAcquired = second.acquire().then((ok) => {
        secondLeads = ok;
      });
      // Longer than the lease duration: the leader renews, so the follower must keep waiting.
      await sleep(3000);
      assert.equal(secondLeads, false, 'the follower did not lead while the leader renewed');
      assert.equal((await leases.readNamespacedLease({ name: lease, namespace })).spec?.holderIdentity, 'first');

      const released = Date.now();
      await first.release();
      await secondAcquired;
      assert.equal(secondLeads, true);
      assert.ok(Date.now() - released < 1500, 'the follower took over a released lease without waiting for expiry');
      assert.equal((await leases.readNamespacedLease({ name: lease, namespace })).spec?.holderIdentity, 'second');
      await second.release();

      // A holder that died without releasing: its lease is taken over only once it expired.
      const current = await leases.readNamespacedLease({ name: lease, namespace });
      current.spec = { ...current.spec, holderIdentity: 'crashed', leaseDurationSeconds: 2, renewTime: new V1MicroTime(Date.now()) };
      await leases.replaceNamespacedLease({ name: lease, namespace, body: current });
      const third = new LeaderElector({ ...options, identity: 'third' });
      const started = Date.now();
      assert.equal(await third.acquire(), true);
      const waited = Date.now() - started;
      assert.ok(waited >= 1500, `took over only after the crashed holder's lease expired (waited ${waited} ms)`);
      assert.equal((await leases.readNamespacedLease({ name: lease, namespace })).spec?.holderIdentity, 'third');
      await third.release();
    } finally {
      clearInterval(watchdog);
      await first.release();
      await second.release();
    }
    assert.equal(both, false, 'two candidates never led at once');
  });
});

describe('LeaderElector against skew and a hung API server', () => {
  const options = { namespace, leaseDurationSeconds: 2, retryPeriodMs: 200, renewDeadlineMs: 1500, log };

  it('keeps a follower waiting while a leader whose wall clock is an hour behind renews', async () => {
    const lease = 'skewed-test';
    const behind = { monotonic: () => performance.now(), wall: () => Date.now() - 3_600_000 };
    const leader = new LeaderElector({ ...options, kubeConfig, name: lease, identity: 'behind', clock: behind });
    const follower = new LeaderElector({ ...options, kubeConfig, name: lease, identity: 'follower' });
    const watch = watchBoth(leader, follower);
    try {
      assert.equal(await leader.acquire(), true);
      let followerLeads = false;
      const followed = follower.acquire().then((ok) => {
        followerLeads = ok;
      });
      // Longer than the lease duration: the renewTime the leader writes is an hour old, yet it renews.
      await sleep(3000);
      assert.equal(followerLeads, false, 'the follower did not take over from a renewing leader');
      assert.equal(leader.isLeader, true);
      await leader.release();
      await followed;
      assert.equal(followerLeads, true, 'the follower took over once the leader released');
    } finally {
      watch.stop();
      await leader.release();
      await follower.release();
    }
    assert.equal(watch.overlapped(), false, 'the two never led at once');
  });

  it('steps down within the renew deadline when its API calls hang, before a follower takes over', { timeout: 60_000 }, async () => {
    const lease = 'hung-test';
    const cluster = kubeConfig.getCurrentCluster();
    assert.ok(cluster);
    const proxy = await startProxy(new URL(cluster.server));
    const leader = new LeaderElector({ ...options, kubeConfig: throughProxy(proxy.port), name: lease, identity: 'hung' });
    const follower = new LeaderElector({ ...options, kubeConfig, name: lease, identity: 'follower' });
    const watch = watchBoth(leader, follower);
    let lost = false;
    void leader.lost.then(() => {
      lost = true;
    });
    try {
      assert.equal(await leader.acquire(), true);
      const followed = follower.acquire();
      await sleep(1000);
      proxy.freeze();
      await eventually('the leader whose calls hang gave up leading', () => lost, 10_000, 20);
      assert.equal(leader.isLeader, false);
      assert.equal(await followed, true, 'the follower took over the lease');
      assert.equal((await kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: lease, namespace })).spec?.holderIdentity, 'follower');
    } finally {
      watch.stop();
      await follower.release();
      await leader.release();
      proxy.close();
    }
    assert.equal(watch.overlapped(), false, 'the two never led at once');
  });
});

describe('Controller metrics and health', () => {
  it('counts reconciles by result, retries a temporary error, and serves /metrics, /healthz and /readyz', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    let ready = false;
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', registry, healthy: () => true, ready: () => ready });
    const attempts = new Map<string, number>();
    const controller = new Controller({
      name: 'test',
      workers: 2,
      log,
      metrics,
      backoff: { baseMs: 50, maxMs: 200 },
      reconcile: async (key) => {
        const n = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, n);
        if (key === 'ns/flaky' && n === 1) throw new TemporaryError('API server busy');
      },
    });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      assert.equal((await fetch(`${base}/readyz`)).status, 503);
      ready = true;
      assert.equal((await fetch(`${base}/readyz`)).status, 200);

      controller.start();
      controller.enqueue('ns/steady');
      controller.enqueue('ns/flaky');
      await eventually('the flaky key was retried', () => attempts.get('ns/flaky') === 2, 5000);
      await sleep(100);
      const body = await (await fetch(`${base}/metrics`)).text();
      assert.match(body, /inetswarm_reconciles_total\{controller="test",result="success"\} 2/);
      assert.match(body, /inetswarm_reconciles_total\{controller="test",result="error"\} 1/);
      assert.match(body, /inetswarm_reconcile_errors_total\{controller="test",kind="temporary"\} 1/);
      assert.match(body, /inetswarm_workqueue_depth\{controller="test"\} 0/);
      assert.equal(attempts.get('ns/steady'), 1);
    } finally {
      await controller.stop();
      await server.close();
    }
  });
});

describe('operator process', () => {
  it('leads, serves /readyz and /metrics, and on SIGTERM releases its lease and exits 0', async () => {
    const run = promisify(execFile);
    await run(stack.k8sBinary, ['kubectl', '--kubeconfig', stack.kubeconfig, 'apply', '--server-side', '-f', join(REPO_ROOT, 'crds')]);
    await run(stack.k8sBinary, ['kubectl', '--kubeconfig', stack.kubeconfig, 'wait', '--for=condition=Established', '--timeout=60s', 'crd/inetbuilds.inetswarm.dev']);
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'operator/main.ts', '--metrics-port', String(port), '--metrics-host', '127.0.0.1'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        KUBECONFIG: stack.kubeconfig,
        INETSWARM_MONGO_URI: stack.mongo.uri,
        INETSWARM_MONGO_DATABASE: `runtime_${process.pid}`,
        INETSWARM_WATCH_NAMESPACE: namespace,
        INETSWARM_POD_NAMESPACE: namespace,
        INETSWARM_POD_NAME: 'operator-under-test',
        INETSWARM_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    const leases = kubeConfig.makeApiClient(CoordinationV1Api);
    try {
      await eventually('the operator leads', async () => {
        const lease = await leases.readNamespacedLease({ name: 'inet-swarm-operator', namespace }).catch(() => undefined);
        return lease?.spec?.holderIdentity?.startsWith('operator-under-test_') ?? false;
      });
      await eventually('the operator is ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200);
      const metricsText = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metricsText, /inetswarm_workqueue_depth\{controller="inetbuild"\} 0/);
      assert.match(metricsText, /process_resident_memory_bytes/);

      child.kill('SIGTERM');
      assert.equal(await exited, 0, `the operator exited cleanly:\n${output.slice(-2000)}`);
      const lease = await leases.readNamespacedLease({ name: 'inet-swarm-operator', namespace });
      assert.equal(lease.spec?.holderIdentity ?? '', '', 'the lease was released');
      assert.match(output, /Released leadership/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
