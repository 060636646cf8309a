// Git edge cases of `inet-swarm run` on real repositories in temporary folders.
import assert from 'node:assert/strict';
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkGitState, type GitVerdict } from '../../cli/git/decide.ts';
import { readGitState } from '../../cli/git/state.ts';
import { CliError } from '../../cli/errors.ts';
import { makeFixtureRepo } from '../fixtures/fixture.ts';
import { cliEnv, git, runCli, scratchDir } from '../support/cli.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** A fixture checkout pushed to its own bare `origin`. */
async function pushedRepo(): Promise<{ repoDir: string; commit: string; remoteDir: string }> {
  const { dir, cleanup } = await scratchDir('cli-git-');
  cleanups.push(cleanup);
  const repo = await makeFixtureRepo({ dir: path.join(dir, 'model'), bare: true });
  const remoteDir = repo.remoteDir ?? '';
  cleanups.push(() => rm(remoteDir, { recursive: true, force: true }));
  return { repoDir: repo.repoDir, commit: repo.commit, remoteDir };
}

async function verdictIn(dir: string, allowDirty = false): Promise<GitVerdict> {
  return checkGitState(await readGitState(dir), { allowDirty });
}

function problems(verdict: GitVerdict): string {
  assert.equal(verdict.ok, false, 'expected a refusal');
  return verdict.ok ? '' : verdict.problems.join('\n');
}

describe('git state of a real checkout', () => {
  it('refuses a folder that is not a git repository', async () => {
    const { dir, cleanup } = await scratchDir('cli-git-plain-');
    cleanups.push(cleanup);
    await assert.rejects(readGitState(dir), (err: Error) => err instanceof CliError && /not inside a git repository.*--local/s.test(err.message));
  });

  it('accepts a clean checkout whose commit is pushed, with the full 40-hex HEAD', async () => {
    const repo = await pushedRepo();
    const state = await readGitState(repo.repoDir);
    assert.equal(state.head, repo.commit);
    assert.match(state.head, /^[0-9a-f]{40}$/);
    assert.equal(state.branch, 'main');
    assert.deepEqual(state.upstream, { remote: 'origin', branch: 'main' });
    const verdict = checkGitState(state, { allowDirty: false });
    assert.ok(verdict.ok);
    assert.equal(verdict.source.revision, repo.commit);
    assert.equal(verdict.source.repository.url, repo.remoteDir);
  });

  it('finds the repository root and commit from a subfolder', async () => {
    const repo = await pushedRepo();
    await mkdir(path.join(repo.repoDir, 'sub', 'dir'), { recursive: true });
    const state = await readGitState(path.join(repo.repoDir, 'sub', 'dir'));
    assert.equal(state.root, repo.repoDir);
    assert.equal(state.head, repo.commit);
  });

  it('refuses a repository without a remote', async () => {
    const { dir, cleanup } = await scratchDir('cli-git-noremote-');
    cleanups.push(cleanup);
    const repo = await makeFixtureRepo({ dir: path.join(dir, 'model') });
    assert.match(problems(await verdictIn(repo.repoDir)), /no remote.*git remote add origin <url> && git push -u origin main/s);
  });

  it('refuses uncommitted changes to tracked files, and accepts them with --allow-dirty', async () => {
    const repo = await pushedRepo();
    await appendFile(path.join(repo.repoDir, 'omnetpp.ini'), '\n# local tweak\n');
    assert.match(problems(await verdictIn(repo.repoDir)), /uncommitted changes.* M omnetpp\.ini.*git stash/s);
    const allowed = await verdictIn(repo.repoDir, true);
    assert.ok(allowed.ok);
    assert.match(allowed.notes.join('\n'), /omnetpp\.ini/);
  });

  it('does not count untracked or ignored files as changes', async () => {
    const repo = await pushedRepo();
    await writeFile(path.join(repo.repoDir, 'notes.txt'), 'scratch\n');
    await mkdir(path.join(repo.repoDir, 'results'));
    await writeFile(path.join(repo.repoDir, 'results', 'General-#0.sca'), 'version 3\n');
    const state = await readGitState(repo.repoDir);
    assert.equal(state.untracked, 1);
    assert.ok(checkGitState(state, { allowDirty: false }).ok);
  });

  it('refuses a commit that the remote does not have and names the push', async () => {
    const repo = await pushedRepo();
    await appendFile(path.join(repo.repoDir, 'omnetpp.ini'), '\n# more\n');
    await git(repo.repoDir, 'commit', '-qam', 'unpushed');
    assert.match(problems(await verdictIn(repo.repoDir)), /not on remote origin.*git push origin main/s);
    await git(repo.repoDir, 'push', '-q', 'origin', 'main');
    assert.ok((await verdictIn(repo.repoDir)).ok);
  });

  it('accepts a detached HEAD at a pushed commit', async () => {
    const repo = await pushedRepo();
    await git(repo.repoDir, 'checkout', '-q', '--detach');
    const state = await readGitState(repo.repoDir);
    assert.equal(state.branch, undefined);
    assert.equal(state.remote, 'origin');
    const verdict = checkGitState(state, { allowDirty: false });
    assert.ok(verdict.ok);
    assert.match(verdict.notes.join('\n'), /detached/);
  });

  it('refuses a new commit on a detached HEAD and says how to push it to a branch', async () => {
    const repo = await pushedRepo();
    await git(repo.repoDir, 'checkout', '-q', '--detach');
    await git(repo.repoDir, 'commit', '-q', '--allow-empty', '-m', 'detached work');
    assert.match(problems(await verdictIn(repo.repoDir)), /detached.*git push origin HEAD:refs\/heads\/<branch>/s);
  });

  const urls: Array<[string, string, string]> = [
    ['an scp-like ssh remote on GitLab', 'git@gitlab.example.org:lab/oppsim.git', 'gitlab.example.org'],
    ['an ssh:// remote with a port on a university server', 'ssh://git@git.uni-example.de:2222/sim/oppsim.git', 'git.uni-example.de'],
    ['an https remote on Codeberg', 'https://codeberg.org/lab/oppsim.git', 'codeberg.org'],
    ['an https remote on GitHub', 'https://github.com/lab/oppsim.git', 'github.com'],
  ];
  for (const [what, url, host] of urls) {
    it(`builds from ${what} as configured`, async () => {
      const repo = await pushedRepo();
      await git(repo.repoDir, 'remote', 'set-url', 'origin', url);
      const verdict = await verdictIn(repo.repoDir);
      assert.ok(verdict.ok);
      assert.equal(verdict.source.repository.url, url);
      assert.equal(verdict.source.repository.host, host);
      assert.equal(verdict.source.repository.name, 'oppsim');
    });
  }

  it('uses the remote the branch tracks even when it is not origin', async () => {
    const repo = await pushedRepo();
    await git(repo.repoDir, 'remote', 'rename', 'origin', 'lab');
    await git(repo.repoDir, 'remote', 'add', 'origin', 'https://example.org/other.git');
    const state = await readGitState(repo.repoDir);
    assert.equal(state.remote, 'lab');
    const verdict = checkGitState(state, { allowDirty: false });
    assert.ok(verdict.ok);
    assert.equal(verdict.source.remote, 'lab');
  });

  describe('with a submodule', () => {
    let superDir = '';
    let superRemote = '';
    before(async () => {
      const { dir, cleanup } = await scratchDir('cli-git-sub-');
      cleanups.push(cleanup);
      const lib = path.join(dir, 'lib.git');
      await git(dir, 'init', '-q', '--bare', '-b', 'main', lib);
      const libWork = path.join(dir, 'lib-work');
      await git(dir, 'clone', '-q', lib, libWork);
      await writeFile(path.join(libWork, 'lib.ned'), 'package lib;\n');
      await git(libWork, 'add', '-A');
      await git(libWork, 'commit', '-qm', 'lib');
      await git(libWork, 'push', '-q', 'origin', 'HEAD:main');
      const repo = await pushedRepo();
      superDir = repo.repoDir;
      superRemote = repo.remoteDir;
      await git(superDir, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib, 'lib');
      await git(superDir, 'commit', '-qm', 'add lib');
      await git(superDir, 'push', '-q', 'origin', 'main');
    });

    it('accepts a clean submodule at its recorded commit', async () => {
      const state = await readGitState(superDir);
      assert.deepEqual(
        state.submodules.map((s) => [s.path, s.state]),
        [['lib', 'clean']],
      );
      assert.ok(checkGitState(state, { allowDirty: false }).ok);
    });

    it('refuses a submodule with uncommitted changes', async () => {
      await appendFile(path.join(superDir, 'lib', 'lib.ned'), '// edit\n');
      try {
        assert.match(problems(await verdictIn(superDir)), /uncommitted changes.*lib/s);
      } finally {
        await git(path.join(superDir, 'lib'), 'checkout', '-q', '--', 'lib.ned');
      }
    });

    it('refuses a submodule checked out at another commit than the one recorded', async () => {
      const sub = path.join(superDir, 'lib');
      await git(sub, 'commit', '-q', '--allow-empty', '-m', 'moved');
      try {
        const state = await readGitState(superDir);
        assert.deepEqual(state.submodules.map((s) => s.state), ['modified']);
        assert.match(problems(checkGitState(state, { allowDirty: false })), /uncommitted changes.*lib/s);
      } finally {
        await git(sub, 'reset', '-q', '--hard', 'HEAD~1');
      }
    });

    it('accepts a clone whose submodule is not initialised, with a note', async () => {
      const { dir, cleanup } = await scratchDir('cli-git-clone-');
      cleanups.push(cleanup);
      await git(dir, 'clone', '-q', superRemote, 'clone');
      const verdict = await verdictIn(path.join(dir, 'clone'));
      assert.ok(verdict.ok);
      assert.match(verdict.notes.join('\n'), /Submodule lib is not checked out/);
    });
  });
});

describe('inet-swarm run on the cluster path', () => {
  it('prints the InetBuild and SimulationCampaign of a pushed commit with --dry-run', async () => {
    const repo = await pushedRepo();
    const result = await runCli(['--json', '-n', 'sims', 'run', '--dry-run', '-c', 'Aloha', '-r', '0..9', '--', '--sim-time-limit=10s'], {
      cwd: repo.repoDir,
    });
    assert.equal(result.code, 0, result.stderr);
    const data = JSON.parse(result.stdout) as {
      type: string;
      build: { metadata: { name: string; namespace: string }; spec: { source: { repository: string; revision: string } } };
      campaign: { spec: { buildRef: { name: string }; config: string; runFilter: string; simulation: { executable: string; extraArgs: string[] } } };
    };
    assert.equal(data.type, 'manifests');
    assert.equal(data.build.spec.source.revision, repo.commit);
    assert.equal(data.build.spec.source.repository, repo.remoteDir);
    assert.equal(data.build.metadata.namespace, 'sims');
    assert.equal(data.campaign.spec.buildRef.name, data.build.metadata.name);
    assert.equal(data.campaign.spec.config, 'Aloha');
    assert.equal(data.campaign.spec.runFilter, '0..9');
    assert.equal(data.campaign.spec.simulation.executable, './oppsim');
    assert.deepEqual(data.campaign.spec.simulation.extraArgs, ['--sim-time-limit=10s']);
  });

  it('refuses a dirty tree with exit code 1 and the fix in the message', async () => {
    const repo = await pushedRepo();
    await appendFile(path.join(repo.repoDir, 'omnetpp.ini'), '\n# tweak\n');
    const result = await runCli(['run', '--dry-run'], { cwd: repo.repoDir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /uncommitted changes.*omnetpp\.ini.*git stash.*--allow-dirty.*--local/s);
    assert.equal(result.stdout, '');
  });

  it('refuses a folder outside git with exit code 1', async () => {
    const { dir, cleanup } = await scratchDir('cli-git-nogit-');
    cleanups.push(cleanup);
    await writeFile(path.join(dir, 'omnetpp.ini'), '[General]\n');
    const result = await runCli(['run'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not inside a git repository/);
  });

  it('says that no cluster is configured when there is no kubeconfig', async () => {
    const repo = await pushedRepo();
    const result = await runCli(['run'], { cwd: repo.repoDir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /No cluster configured.*--local/s);
  });

  it('says that the cluster is not reachable when its API server does not answer', async () => {
    const repo = await pushedRepo();
    const kubeconfig = path.join(repo.repoDir, '..', 'kubeconfig');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: gone, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: me, user: {token: x}}]',
        'contexts: [{name: gone, context: {cluster: gone, user: me}}]',
        'current-context: gone',
        '',
      ].join('\n'),
    );
    const result = await runCli(['run'], { cwd: repo.repoDir, env: cliEnv({ KUBECONFIG: kubeconfig }) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /context 'gone' \(https:\/\/127\.0\.0\.1:1\) is not reachable.*--local/s);
    const wrongContext = await runCli(['--context', 'nope', 'run'], { cwd: repo.repoDir, env: cliEnv({ KUBECONFIG: kubeconfig }) });
    assert.equal(wrongContext.code, 1);
    assert.match(wrongContext.stderr, /No context 'nope'.*contexts: gone/);
  });
});
