// The builder base and distccd images (images/Dockerfile.builder-base and
// Dockerfile.distccd, built by the stack from local bases): the builder image
// compiles the fixture model through distcc on a distccd container, both
// unprivileged on read-only roots, and the model it built runs. Everything of
// the builder image but OMNeT++.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { freePort, tcpOpen } from '../stack/process.ts';
import { eventually } from '../support/eventually.ts';
import { startImageDaemon, type ImageDaemon } from '../support/image-daemon.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'oppsim');
const POD_LIKE = ['--read-only', '--tmpfs', '/tmp:exec', '--user', '1000:1000', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];

describe('the builder base and distccd images', { timeout: 600_000 }, () => {
  let daemon: ImageDaemon;

  before(async () => {
    daemon = await startImageDaemon(['builder-base', 'distccd']);
  });
  after(async () => daemon?.stop());

  it('starts the builder program, which rejects a missing setting by name with its configuration exit code', async () => {
    const result = await daemon.run(['--network', 'none', ...POD_LIKE, daemon.refs['builder-base'] ?? '']);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    const line = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { msg?: string; err?: string };
    assert.equal(line.msg, 'Rejected the builder environment');
    assert.match(line.err ?? '', /INETSWARM_BUILD_NAME is required/);
  });

  it('compiles the fixture model in the builder image with every object compiled by the distccd image', async () => {
    const port = await freePort();
    const name = `distccd-${process.pid}`;
    // Host networking: the builder container reaches the daemon on loopback, as a pod reaches the DaemonSet's.
    const args = ['--daemon', '--no-detach', '--log-stderr', '--log-level=info', '--listen', '127.0.0.1', '--port', String(port), '--allow', '127.0.0.1'];
    const started = await daemon.dockerd.docker(['run', '--detach', '--name', name, '--network', 'host', ...POD_LIKE, daemon.refs.distccd ?? '', ...args]);
    assert.equal(started.code, 0, started.stderr);
    try {
      await eventually('distccd listens', () => tcpOpen(port));
      const script = 'mkdir -p /tmp/distcc && cp -r /src /tmp/model && make -s -C /tmp/model CC="distcc gcc" && cd /tmp/model && ./oppsim -s -q runnumbers -c Aloha -f omnetpp.ini';
      const env = { DISTCC_HOSTS: `127.0.0.1:${port}`, DISTCC_FALLBACK: '0', DISTCC_DIR: '/tmp/distcc' };
      const flags = Object.keys(env).flatMap((n) => ['-e', n]);
      const built = await daemon.run(['--network', 'host', ...POD_LIKE, ...flags, '-v', `${FIXTURE}:/src:ro`, daemon.refs['builder-base'] ?? '', 'sh', '-c', script], env);
      assert.equal(built.code, 0, built.stdout + built.stderr);
      assert.match(built.stdout, /\b41\b/, 'the built model lists the Aloha runs 0..41');
      const log = await daemon.dockerd.docker(['logs', name]);
      assert.equal((`${log.stdout}${log.stderr}`.match(/COMPILE_OK/g) ?? []).length, 5, `${log.stdout}${log.stderr}`);
    } finally {
      await daemon.dockerd.docker(['rm', '--force', name]);
    }
  });
});
