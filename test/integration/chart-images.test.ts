// What can be checked of the images without building them: every shell script
// passes shellcheck and every Dockerfile passes hadolint, and each Dockerfile
// keeps the properties the chart relies on. The images themselves are built and
// run by the images-*.test.ts files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureDebianPackages } from '../stack/system-packages.ts';
import { LAUNCHER_CFLAGS } from '../support/runner-command.ts';
import { hadolintBinary } from '../stack/helm.ts';
import type { InetBuild } from '../../api/v1alpha1.ts';
import { runnerImage } from '../../operator/controllers/simulationcampaign/manifests.ts';
import type { CampaignSettings } from '../../operator/controllers/simulationcampaign/settings.ts';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dockerfiles = (await readdir(join(root, 'images'))).filter((f) => /^Dockerfile\.[a-z-]+$/.test(f)).sort();

async function lint(command: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: root });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

test('there is a Dockerfile for the operator, the runner and the builder (each with its base) and distccd', () => {
  assert.deepEqual(dockerfiles, ['Dockerfile.builder', 'Dockerfile.builder-base', 'Dockerfile.distccd', 'Dockerfile.operator', 'Dockerfile.runner', 'Dockerfile.runner-base']);
});

test('every shell script passes shellcheck (warnings and above; the packaging scripts at every severity)', async () => {
  await ensureDebianPackages(['shellcheck']);
  const scripts = [
    ...(await readdir(join(root, 'images'))).filter((f) => f.endsWith('.sh')).map((f) => `images/${f}`),
    ...(await readdir(join(root, 'scripts'))).filter((f) => f.endsWith('.sh')).map((f) => `scripts/${f}`),
  ];
  assert.ok(scripts.includes('scripts/kind-e2e.sh') && scripts.includes('images/omnetpp-build.sh'));
  const all = await lint('shellcheck', ['--severity=warning', ...scripts]);
  assert.equal(all.code, 0, all.output);
  const packaging = await lint('shellcheck', ['--severity=style', 'images/omnetpp-build.sh', 'scripts/kind-e2e.sh', 'scripts/sync-crds.sh']);
  assert.equal(packaging.code, 0, packaging.output);
});

test('every Dockerfile passes hadolint', async () => {
  const hadolint = await hadolintBinary();
  const result = await lint(hadolint, dockerfiles.map((f) => `images/${f}`));
  assert.equal(result.code, 0, result.output);
});

test('every image runs as a non-root user and every base image is pinned to a version', async () => {
  for (const file of dockerfiles) {
    const text = await readFile(join(root, 'images', file), 'utf8');
    const users = [...text.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1] ?? '');
    assert.ok(users.length > 0, `${file} sets no USER`);
    assert.doesNotMatch(users.at(-1) ?? '', /^(0|root)(:|$)/, `${file} runs as root`);
    for (const [, image] of text.matchAll(/^ARG\s+\w+_IMAGE=(\S+)/gm)) {
      assert.match(image ?? '', /:[^:@]*\d[^:@]*(@sha256:[0-9a-f]{64})?$/, `${file}: base ${image} is not pinned to a version tag`);
      assert.doesNotMatch(image ?? '', /:latest$/, `${file}: base ${image} uses latest`);
    }
  }
});

test('the runner and builder images take the OMNeT++ version as a build argument', async () => {
  for (const file of ['Dockerfile.runner', 'Dockerfile.builder']) {
    const text = await readFile(join(root, 'images', file), 'utf8');
    assert.match(text, /^ARG OMNETPP_VERSION=\d+\.\d+(\.\d+)?$/m, file);
    assert.match(text, /omnetpp-build\.sh "\$\{OMNETPP_VERSION\}"/, file);
  }
});

test('the runner and builder images are their bases with OMNeT++ on top, the Makefile building the base first', async () => {
  for (const name of ['runner', 'builder']) {
    const text = await readFile(join(root, 'images', `Dockerfile.${name}`), 'utf8');
    const base = `${name.toUpperCase()}_BASE_IMAGE`;
    assert.match(text, new RegExp(`^ARG ${base}=ghcr\\.io/inet-swarm/${name}-base:`, 'm'), name);
    assert.equal([...text.matchAll(/^FROM (\S+)/gm)].at(-1)?.[1], `\${${base}}`, `${name}: the last stage starts from its base`);
  }
  const makefile = await readFile(join(root, 'images', 'Makefile'), 'utf8');
  assert.match(makefile, /^runner: runner-base$/m);
  assert.match(makefile, /^builder: builder-base$/m);
});

test('the runner base image builds inet-swarm-launcher as the tests do and points the runner to it', async () => {
  const text = await readFile(join(root, 'images', 'Dockerfile.runner-base'), 'utf8');
  assert.ok(text.includes(`gcc ${LAUNCHER_CFLAGS.join(' ')} -o /usr/local/bin/inet-swarm-launcher /src/launcher.c`), 'launcher compiled with LAUNCHER_CFLAGS');
  assert.match(text, /COPY lib\/engine\/launcher\.c \/src\/launcher\.c/);
  assert.match(text, /INETSWARM_LAUNCHER=\/usr\/local\/bin\/inet-swarm-launcher/);
});

test('the images are tagged with every form of version spec.omnetpp.version accepts, so the operator finds them', async () => {
  const { stdout } = await run('make', ['-n', '-C', 'images', 'runner', 'builder', 'OMNETPP_VERSIONS=6.1.0 5.7.1', 'DOCKER=docker'], { cwd: root });
  const settings = { runnerImageTemplate: 'ghcr.io/inet-swarm/runner:omnetpp-{version}' } as CampaignSettings;
  for (const version of ['6.1', '6.1.0', '5.7', '5.7.1']) {
    const image = runnerImage({ spec: { omnetpp: { version } } } as InetBuild, settings);
    assert.ok(stdout.includes(`--tag ${image} `) || stdout.includes(`--tag ${image}\n`), `${image} is built (${version})`);
    assert.ok(stdout.includes(`--tag ${image.replace('/runner:', '/builder:')} `), `the builder of ${version} is built`);
  }
});
