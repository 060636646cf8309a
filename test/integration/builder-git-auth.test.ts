// The builder's git credentials against real git and ssh, without a cluster:
// `git credential fill` with the environment the builder gives git asks the
// Secret's token only for the repository's scheme, host and port; the helper
// itself refuses another host; ssh's own evaluation of the configuration
// (`ssh -G`) adds the key only for the repository's host and port. The whole
// build through git's HTTP server: inetbuild-git-credentials.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareGitAuth } from '../../pods/builder/git-auth.ts';
import { GIT_PACKAGES, ensureDebianPackages } from '../stack/system-packages.ts';

const TOKEN = `tok-${process.pid}-Zq81`;
const temporary: string[] = [];
before(() => ensureDebianPackages(GIT_PACKAGES));
after(() => Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true }))));

async function scratch(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** Runs a program with stdin, returning its exit code and output. */
function exec(command: string, args: string[], input: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A Secret's files as the kubelet mounts them. */
async function secretDir(files: Record<string, string>): Promise<string> {
  const dir = await scratch('git-secret-');
  for (const [name, value] of Object.entries(files)) await writeFile(join(dir, name), value);
  return dir;
}

/** git's environment as the builder prepares it, on top of a clean one (no user or system configuration). */
async function builderGitEnv(repository: string, credentialsDir: string): Promise<NodeJS.ProcessEnv> {
  const auth = await prepareGitAuth(repository, credentialsDir, join(await scratch('git-private-'), '.credentials'));
  assert.ok(auth.ok, auth.ok ? '' : auth.message);
  const home = await scratch('git-home-');
  return { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', ...auth.env };
}

/** What `git credential fill` gets for a URL: git's own matching of credential.<url>.helper, then the helper. */
async function fill(env: NodeJS.ProcessEnv, url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec('git', ['credential', 'fill'], `url=${url}\n\n`, env);
}

describe('the https token, asked for by real git', () => {
  const repository = 'https://git.example.org:8443/lab/model.git';

  it('is given for the repository\'s scheme, host and port, also with the host in capitals', async () => {
    const env = await builderGitEnv(repository, await secretDir({ username: 'lab-bot', password: TOKEN }));
    for (const url of [repository, 'https://GIT.example.org:8443/other/repo.git']) {
      const answer = await fill(env, url);
      assert.equal(answer.code, 0, answer.stderr);
      assert.match(answer.stdout, new RegExp(`^username=lab-bot$`, 'm'));
      assert.match(answer.stdout, new RegExp(`^password=${TOKEN}$`, 'm'));
    }
  });

  for (const [what, url] of [
    ['another host', 'https://evil.example.net:8443/lab/model.git'],
    ['a sub-domain of the host', 'https://x.git.example.org:8443/lab/model.git'],
    ['another port of the host', 'https://git.example.org:9443/lab/model.git'],
    ['the default port of the host', 'https://git.example.org/lab/model.git'],
    ['plain http to the host and port', 'http://git.example.org:8443/lab/model.git'],
  ] as const) {
    it(`is not given to ${what} (${url})`, async () => {
      const env = await builderGitEnv(repository, await secretDir({ username: 'lab-bot', password: TOKEN }));
      const answer = await fill({ ...env, GIT_TRACE: '1' }, url);
      assert.notEqual(answer.code, 0, 'git found no credential and could not prompt');
      assert.doesNotMatch(answer.stdout + answer.stderr, new RegExp(TOKEN));
      // git's own URL matching: the helper is not even started (GIT_TRACE logs every program git runs).
      assert.ok(!answer.stderr.includes(env.GIT_CONFIG_VALUE_2 ?? '-'), answer.stderr);
    });
  }

  it('is not given by a helper that a user or system configuration would add', async () => {
    const env = await builderGitEnv(repository, await secretDir({ username: 'lab-bot', password: TOKEN }));
    await writeFile(join(env.HOME ?? '', '.gitconfig'), '[credential]\n\thelper = "!f() { echo username=u; echo password=from-home; }; f"\n');
    const answer = await fill(env, 'https://evil.example.net/x.git');
    assert.notEqual(answer.code, 0);
    assert.doesNotMatch(answer.stdout, /from-home/);
  });

  it('is refused by the helper itself for a host other than its own', async () => {
    const credentials = await secretDir({ username: 'lab-bot', password: TOKEN });
    const env = await builderGitEnv(repository, credentials);
    const helper = env.GIT_CONFIG_VALUE_2 ?? '';
    assert.match(env.GIT_CONFIG_KEY_2 ?? '', /^credential\.https:\/\/git\.example\.org:8443\.helper$/);
    const other = await exec(helper, ['get'], 'protocol=https\nhost=evil.example.net:8443\n\n', env);
    assert.equal(other.stdout, '');
    const own = await exec(helper, ['get'], 'protocol=https\nhost=git.example.org:8443\npath=lab/model.git\n\n', env);
    assert.equal(own.stdout, `username=lab-bot\npassword=${TOKEN}\n`);
  });

  it('is refused with a message when the Secret has a password without a user name', async () => {
    const auth = await prepareGitAuth(repository, await secretDir({ password: TOKEN }), join(await scratch('git-private-'), 'p'));
    assert.equal(auth.ok, false);
    assert.match(auth.ok ? '' : auth.message, /has password but no username/);
  });
});

describe('the ssh key, as ssh evaluates its configuration', () => {
  const repository = 'ssh://git@git.example.org:2222/lab/model.git';

  /** The identity files ssh would offer to a host and port (`ssh -G` evaluates Host and Match blocks). */
  async function identities(env: NodeJS.ProcessEnv, host: string, port: number): Promise<{ files: string[]; config: string }> {
    const configFile = /-F '([^']+)'/.exec(env.GIT_SSH_COMMAND ?? '')?.[1] ?? '';
    const result = await exec('ssh', ['-F', configFile, '-G', '-p', String(port), host], '', env);
    assert.equal(result.code, 0, result.stderr);
    const files = result.stdout.split('\n').filter((l) => l.startsWith('identityfile ')).map((l) => l.slice('identityfile '.length));
    return { files, config: result.stdout };
  }

  it('is offered to the repository\'s host and port, with strict host keys from the Secret\'s known_hosts', async () => {
    const env = await builderGitEnv(repository, await secretDir({ 'ssh-privatekey': 'KEY', known_hosts: '[git.example.org]:2222 ssh-ed25519 AAAA\n' }));
    const { files, config } = await identities(env, 'git.example.org', 2222);
    assert.ok(files.some((f) => f.endsWith('/.credentials/id')), files.join(', '));
    assert.match(config, /^stricthostkeychecking true$/m);
    assert.match(config, /^userknownhostsfile .*\/\.credentials\/known_hosts$/m);
    assert.match(config, /^identityagent none$/m);
  });

  for (const [what, host, port] of [
    ['another host', 'evil.example.net', 2222],
    ['another port of the host', 'git.example.org', 22],
  ] as const) {
    it(`is not offered to ${what} (${host}:${port})`, async () => {
      const env = await builderGitEnv(repository, await secretDir({ 'ssh-privatekey': 'KEY', known_hosts: '[git.example.org]:2222 ssh-ed25519 AAAA\n' }));
      const { files, config } = await identities(env, host, port);
      assert.ok(!files.some((f) => f.includes('.credentials')), files.join(', '));
      assert.match(config, /^stricthostkeychecking true$/m);
    });
  }

  it('is refused without a known_hosts entry, with the ssh-keyscan that makes one', async () => {
    const auth = await prepareGitAuth(repository, await secretDir({ 'ssh-privatekey': 'KEY' }), join(await scratch('git-private-'), 'p'));
    assert.equal(auth.ok, false);
    assert.match(auth.ok ? '' : auth.message, /no known_hosts.*ssh-keyscan -p 2222 git\.example\.org/);
  });
});
