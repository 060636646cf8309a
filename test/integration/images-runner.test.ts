// The runner base image (images/Dockerfile.runner-base, built by the stack
// from local bases) run as a pod runs it: unprivileged, read-only root, no
// capabilities. Its program starts and reports a missing setting; tini is
// PID 1, forwards SIGTERM and reaps orphans; and the runner inside it runs a
// campaign of the fixture model against the stack's NATS and MongoDB-wire
// server, storing every run. Everything of the runner image but OMNeT++.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runnerEnv } from '../../lib/engine/runner-config.ts';
import { runsOf } from '../../lib/store/store.ts';
import { readCampaignProgress } from '../../lib/store/progress.ts';
import { useStack } from '../stack/env.ts';
import { eventually } from '../support/eventually.ts';
import { startImageDaemon, type ImageDaemon } from '../support/image-daemon.ts';
import { ORPHAN_PROBE } from '../support/init-probes.ts';
import { setupCampaign } from '../support/runner-harness.ts';

/**
 * What a pod's security context asks of the container here (the chart's runner pod). /tmp stands for the pod's
 * emptyDir, which allows exec (docker's tmpfs default does not, and the runner runs the model from there).
 */
const POD_LIKE = ['--read-only', '--tmpfs', '/tmp:exec', '--user', '1000:1000', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];

/** A node program that reports what it sees and waits for SIGTERM, exiting 42 on it. */
const SIGNAL_PROBE = `
const fs = require('node:fs');
process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(42); });
console.log('pid1=' + fs.readFileSync('/proc/1/cmdline', 'utf8').split('\\0')[0] + ' self=' + process.pid);
setInterval(() => {}, 1000);
`;

describe('the runner base image', { timeout: 600_000 }, () => {
  let daemon: ImageDaemon;
  let image: string;

  before(async () => {
    daemon = await startImageDaemon(['runner-base']);
    image = daemon.refs['runner-base'] ?? '';
  });
  after(async () => daemon?.stop());

  it('starts the runner unprivileged on a read-only root, which names the missing setting and exits 1', async () => {
    const result = await daemon.run(['--network', 'none', ...POD_LIKE, image]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const line = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { msg?: string; error?: string };
    assert.equal(line.msg, 'Read no configuration');
    assert.match(line.error ?? '', /INETSWARM_NAMESPACE is required/);
  });

  it('runs tini as PID 1, which forwards SIGTERM to the program and exits with its code', async () => {
    const name = `signal-${process.pid}`;
    const started = await daemon.dockerd.docker(['run', '--detach', '--name', name, '--network', 'none', ...POD_LIKE, image, 'node', '-e', SIGNAL_PROBE]);
    assert.equal(started.code, 0, started.stderr);
    try {
      const logs = await eventually('the probe reported PID 1', async () => {
        const out = (await daemon.dockerd.docker(['logs', name])).stdout;
        return out.includes('pid1=') && out;
      });
      assert.match(logs, /pid1=\/usr\/bin\/tini self=(?!1\b)\d+/);
      assert.equal((await daemon.dockerd.docker(['stop', '--time', '20', name])).code, 0);
      assert.equal((await daemon.dockerd.docker(['inspect', '--format', '{{.State.ExitCode}}', name])).stdout.trim(), '42');
      assert.match((await daemon.dockerd.docker(['logs', name])).stdout, /got SIGTERM/);
    } finally {
      await daemon.dockerd.docker(['rm', '--force', name]);
    }
  });

  it('reaps orphaned processes through tini, where a command that bypasses it leaves a zombie', async () => {
    const withTini = await daemon.run(['--network', 'none', ...POD_LIKE, image, 'node', '-e', ORPHAN_PROBE]);
    assert.match(withTini.stdout, /zombies=0/, withTini.stdout + withTini.stderr);
    const bypassed = await daemon.run(['--network', 'none', ...POD_LIKE, '--entrypoint', 'node', image, '-e', ORPHAN_PROBE]);
    assert.match(bypassed.stdout, /zombies=1/, bypassed.stdout + bypassed.stderr);
  });

  it('runs a campaign of the fixture model inside the image and stores every run', async () => {
    const stack = await useStack();
    const c = await setupCampaign(stack, { iniConfig: 'Aloha' });
    try {
      // The container's own paths: the launcher of the image, its writable /tmp.
      const env = runnerEnv({ ...c.config, podName: 'runner-image', launcher: '/usr/local/bin/inet-swarm-launcher', workDir: '/tmp/work', artifact: { ...c.config.artifact, cacheDir: '/tmp/cache' } });
      // Host networking reaches the stack's servers on loopback; values go through the CLI's environment.
      const result = await daemon.run(['--network', 'host', ...POD_LIKE, ...Object.keys(env).flatMap((name) => ['-e', name]), image], env);
      assert.equal(result.code, 0, (result.stdout + result.stderr).slice(-4000));
      const runs = await runsOf(c.db).find({ campaignUid: c.ref.campaignUid }).toArray();
      assert.equal(runs.length, 42, (result.stdout + result.stderr).slice(-4000));
      assert.ok(runs.every((r) => r.status === 'succeeded' && (r.resultFiles?.length ?? 0) > 0), 'every run succeeded with result files');
      const progress = await readCampaignProgress(c.db, c.ref.campaignUid);
      assert.equal(progress.total, 42);
    } finally {
      await c.close();
    }
  });
});
