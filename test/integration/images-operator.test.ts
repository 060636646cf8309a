// The operator image (images/Dockerfile.operator, built by the stack from
// local bases) run as the chart's Deployment runs it: unprivileged, read-only
// root, no capabilities, no cluster. Its program starts, reports its missing
// setting, and the image holds production dependencies only.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startImageDaemon, type ImageDaemon } from '../support/image-daemon.ts';

const POD_LIKE = ['--network', 'none', '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];

describe('the operator image', { timeout: 300_000 }, () => {
  let daemon: ImageDaemon;
  let image: string;

  before(async () => {
    daemon = await startImageDaemon(['operator']);
    image = daemon.refs.operator ?? '';
  });
  after(async () => daemon?.stop());

  it('starts node operator/main.js under tini as its own unprivileged user, which names the missing setting and exits 1', async () => {
    const user = await daemon.dockerd.docker(['image', 'inspect', '--format', '{{.Config.User}} {{json .Config.Entrypoint}} {{json .Config.Cmd}}', image]);
    assert.equal(user.stdout.trim(), '65532:65532 ["/usr/bin/tini","--"] ["node","operator/main.js"]');
    const result = await daemon.run([...POD_LIKE, image]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /ConfigError: The MongoDB URI is missing: set INETSWARM_MONGO_URI or --mongodb-uri/);
  });

  it('keeps tini as PID 1 when the chart gives another program as args (the results service, the NATS keys Job)', async () => {
    const probe = "console.log(require('node:fs').readFileSync('/proc/1/cmdline', 'utf8').split('\\0')[0])";
    const result = await daemon.run([...POD_LIKE, image, 'node', '-e', probe]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), '/usr/bin/tini');
  });

  it('holds the compiled operator and CLI with production dependencies only', async () => {
    const probe = "for (const m of ['@kubernetes/client-node', 'mongodb', 'typescript', 'tsx']) { try { require.resolve(m); console.log(m + ' present'); } catch { console.log(m + ' absent'); } } console.log(require('node:fs').existsSync('cli/main.js') || require('node:fs').readdirSync('cli').length > 0);";
    const result = await daemon.run([...POD_LIKE, '--entrypoint', 'node', image, '-e', probe]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n'), ['@kubernetes/client-node present', 'mongodb present', 'typescript absent', 'tsx absent', 'true']);
  });
});
