import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkGitState } from '../../cli/git/decide.ts';
import { parseRemoteUrl, urlCredentials, withoutCredentials } from '../../cli/git/remote-url.ts';
import { parseSubmoduleStatus, type GitState } from '../../cli/git/state.ts';

describe('parseRemoteUrl', () => {
  const cases: Array<[string, { kind: string; host: string; path: string; name: string } | undefined]> = [
    ['git@github.com:inet-framework/inet.git', { kind: 'ssh', host: 'github.com', path: 'inet-framework/inet', name: 'inet' }],
    ['git@gitlab.example.org:group/sub/model.git', { kind: 'ssh', host: 'gitlab.example.org', path: 'group/sub/model', name: 'model' }],
    ['ssh://git@git.uni-example.de:2222/sim/aloha.git', { kind: 'ssh', host: 'git.uni-example.de', path: 'sim/aloha', name: 'aloha' }],
    ['ssh://[::1]:22/srv/repo', { kind: 'ssh', host: '::1', path: 'srv/repo', name: 'repo' }],
    ['https://github.com/inet-framework/inet.git', { kind: 'https', host: 'github.com', path: 'inet-framework/inet', name: 'inet' }],
    ['https://user@codeberg.org/me/my-model/', { kind: 'https', host: 'codeberg.org', path: 'me/my-model', name: 'my-model' }],
    ['http://gitea.local:3000/lab/Model.git', { kind: 'http', host: 'gitea.local', path: 'lab/Model', name: 'Model' }],
    ['git://git.example.net/model.git', { kind: 'git', host: 'git.example.net', path: 'model', name: 'model' }],
    ['file:///srv/git/oppsim.git', { kind: 'file', host: '', path: '/srv/git/oppsim', name: 'oppsim' }],
    ['/tmp/oppsim-remote-abc', { kind: 'file', host: '', path: '/tmp/oppsim-remote-abc', name: 'oppsim-remote-abc' }],
    ['', undefined],
    ['host:', undefined],
    ['https://github.com', undefined],
    ['ftp://example.org/repo.git', undefined],
  ];
  for (const [url, expected] of cases) {
    it(`parses ${JSON.stringify(url)} as ${expected ? `${expected.kind} ${expected.host} ${expected.path}` : 'not a URL'}`, () => {
      const parsed = parseRemoteUrl(url);
      if (expected === undefined) {
        assert.equal(parsed, undefined);
      } else {
        assert.ok(parsed);
        assert.deepEqual(
          { kind: parsed.kind, host: parsed.host, path: parsed.path, name: parsed.name },
          expected,
        );
        assert.equal(parsed.url, url);
      }
    });
  }
});

describe('urlCredentials and withoutCredentials', () => {
  const cases: Array<[string, 'password' | 'user' | undefined, string]> = [
    ['https://me:ghp_x@github.com/lab/m.git', 'password', 'https://github.com/lab/m.git'],
    ['https://glpat-x@gitlab.com/lab/m', 'user', 'https://gitlab.com/lab/m'],
    ['HTTP://tok@h:8080/m', 'user', 'HTTP://h:8080/m'],
    ['ssh://git:hunter2@h:2222/m.git', 'password', 'ssh://git@h:2222/m.git'],
    ['git://u:p@h/m', 'password', 'git://u@h/m'],
    ['me:pw@h:lab/m.git', 'password', 'me@h:lab/m.git'],
    ['ssh://git@h/m.git', undefined, 'ssh://git@h/m.git'],
    ['git@github.com:lab/m.git', undefined, 'git@github.com:lab/m.git'],
    ['https://github.com/lab/a@b.git', undefined, 'https://github.com/lab/a@b.git'],
    ['file:///srv/a@b', undefined, 'file:///srv/a@b'],
  ];
  for (const [url, found, clean] of cases) {
    it(`finds ${found ?? 'no credential'} in ${url} and cleans it to ${clean}`, () => {
      assert.equal(urlCredentials(url), found);
      assert.equal(withoutCredentials(url), clean);
    });
  }
});

describe('parseSubmoduleStatus', () => {
  it('reads the state character of every submodule line', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const c = 'c'.repeat(40);
    const d = 'd'.repeat(40);
    const parsed = parseSubmoduleStatus(
      ` ${a} lib/clean (heads/main)\n+${b} lib/moved (v1-1-gb)\n-${c} lib/absent\nU${d} lib/conflict\n`,
    );
    assert.deepEqual(parsed, [
      { path: 'lib/clean', commit: a, state: 'clean' },
      { path: 'lib/moved', commit: b, state: 'modified' },
      { path: 'lib/absent', commit: c, state: 'uninitialized' },
      { path: 'lib/conflict', commit: d, state: 'conflict' },
    ]);
  });
});

const head = '0123456789abcdef0123456789abcdef01234567';
function state(overrides: Partial<GitState> = {}): GitState {
  return {
    root: '/work/model',
    head,
    branch: 'main',
    upstream: { remote: 'origin', branch: 'main' },
    remote: 'origin',
    remoteUrl: 'git@gitlab.example.org:lab/model.git',
    remotes: ['origin'],
    changes: [],
    untracked: 0,
    submodules: [],
    remoteRefsContainingHead: ['origin/main'],
    ...overrides,
  };
}

describe('checkGitState', () => {
  it('accepts a clean, pushed checkout and names the commit and URL to build', () => {
    const verdict = checkGitState(state(), { allowDirty: false });
    assert.equal(verdict.ok, true);
    assert.ok(verdict.ok);
    assert.equal(verdict.source.revision, head);
    assert.equal(verdict.source.repository.url, 'git@gitlab.example.org:lab/model.git');
    assert.equal(verdict.source.remote, 'origin');
  });

  const refusals: Array<[string, Partial<GitState>, boolean, RegExp]> = [
    ['refuses a repository without any remote', { remote: undefined, remoteUrl: undefined, remotes: [], upstream: undefined }, false, /no remote.*git remote add origin <url> && git push -u origin main/s],
    ['refuses when the branch tracks nothing and no remote is called origin', { remote: undefined, remoteUrl: undefined, remotes: ['a', 'b'], upstream: undefined }, false, /no remote named origin \(remotes: a, b\).*git push -u <remote> main/s],
    ['refuses uncommitted changes and says how to commit or stash them', { changes: [' M omnetpp.ini'] }, false, /uncommitted changes.*M omnetpp\.ini.*git commit.*git stash.*--allow-dirty/s],
    ['refuses a commit no remote-tracking branch contains and says how to push it', { remoteRefsContainingHead: [] }, false, /not on remote origin.*git push origin main/s],
    ['tells a detached HEAD with an unpushed commit to push it to a branch', { branch: undefined, upstream: undefined, remoteRefsContainingHead: [] }, false, /detached.*git push origin HEAD:refs\/heads\/<branch>/s],
    ['refuses a submodule checked out at another commit than recorded', { submodules: [{ path: 'lib/inet', commit: head, state: 'modified' }] }, false, /uncommitted changes.*submodule lib\/inet \(modified\)/s],
    ['refuses an https remote with a token and shows the Secret and --git-credentials', { remoteUrl: 'https://me:ghp_s3cret@github.com/lab/m.git' }, false, /has a password in it.*git remote set-url origin https:\/\/github\.com\/lab\/m\.git.*kubectl create secret generic git-token --from-literal=username=<user> --from-literal=password=<token>\n {2}inet-swarm run --git-credentials git-token.*ssh-privatekey=.*known_hosts/s],
    ['refuses an https remote whose user may be a token', { remoteUrl: 'https://glpat-abc@gitlab.com/lab/m' }, false, /user name or token in it.*--git-credentials/s],
    ['refuses an ssh remote with a password and shows the ssh Secret first', { remoteUrl: 'ssh://git:pw@git.example.org/m.git' }, false, /git remote set-url origin ssh:\/\/git@git\.example\.org\/m\.git.*\n {2}ssh-keyscan git\.example\.org > known_hosts\n.*--from-file=known_hosts=known_hosts\n {2}inet-swarm run --git-credentials git-ssh/s],
    ['refuses a remote URL git cannot clone', { remoteUrl: 'nonsense' }, false, /cannot use \(nonsense\).*git remote set-url origin/s],
    ['still refuses an unpushed commit with --allow-dirty, since the cluster could not fetch it', { remoteRefsContainingHead: [], changes: [' M a.ned'] }, true, /not on remote origin/],
  ];
  for (const [name, overrides, allowDirty, message] of refusals) {
    it(name, () => {
      const verdict = checkGitState(state(overrides), { allowDirty });
      assert.equal(verdict.ok, false);
      assert.ok(!verdict.ok);
      assert.match(verdict.problems.join('\n'), message);
    });
  }

  it('never repeats the credential of a remote URL in its refusal or notes', () => {
    for (const remoteUrl of ['https://me:ghp_s3cret@github.com/lab/m.git', 'https://ghp_s3cret@github.com/lab/m.git', 'ssh://git:ghp_s3cret@h/m']) {
      const verdict = checkGitState(state({ remoteUrl }), { allowDirty: false });
      assert.equal(verdict.ok, false);
      assert.ok(!JSON.stringify(verdict).includes('ghp_s3cret'), JSON.stringify(verdict));
    }
  });

  it('pushes to the upstream branch when it is named differently from the local one', () => {
    const verdict = checkGitState(
      state({ branch: 'feature', upstream: { remote: 'lab', branch: 'topic' }, remote: 'lab', remoteRefsContainingHead: [] }),
      { allowDirty: false },
    );
    assert.ok(!verdict.ok);
    assert.match(verdict.problems.join('\n'), /git push lab feature:topic/);
  });

  it('reports every problem at once', () => {
    const verdict = checkGitState(state({ changes: [' M a.ned'], remoteRefsContainingHead: [] }), { allowDirty: false });
    assert.ok(!verdict.ok);
    assert.equal(verdict.problems.length, 2);
  });

  it('accepts uncommitted changes with --allow-dirty and notes that they are not built', () => {
    const verdict = checkGitState(state({ changes: [' M a.ned', '?? x'] }), { allowDirty: true });
    assert.ok(verdict.ok);
    assert.match(verdict.notes.join('\n'), /without the uncommitted changes.*a\.ned/s);
  });

  it('accepts a pushed detached HEAD and notes which commit is built', () => {
    const verdict = checkGitState(state({ branch: undefined, upstream: undefined }), { allowDirty: false });
    assert.ok(verdict.ok);
    assert.match(verdict.notes.join('\n'), /detached at 0123456/);
  });

  it('notes a submodule that is not checked out instead of refusing', () => {
    const verdict = checkGitState(state({ submodules: [{ path: 'ext/lib', commit: 'f'.repeat(40), state: 'uninitialized' }] }), {
      allowDirty: false,
    });
    assert.ok(verdict.ok);
    assert.match(verdict.notes.join('\n'), /ext\/lib is not checked out.*fffffff/);
  });

  it('accepts untracked files and notes that they are not built', () => {
    const verdict = checkGitState(state({ untracked: 2 }), { allowDirty: false });
    assert.ok(verdict.ok);
    assert.match(verdict.notes.join('\n'), /2 untracked file\(s\) or folder\(s\).*not part of the build/);
  });

  it('lists at most ten changed files', () => {
    const changes = Array.from({ length: 25 }, (_, i) => ` M file${i}.ned`);
    const verdict = checkGitState(state({ changes }), { allowDirty: false });
    assert.ok(!verdict.ok);
    const text = verdict.problems.join('\n');
    assert.match(text, /file9\.ned/);
    assert.doesNotMatch(text, /file10\.ned/);
    assert.match(text, /and 15 more/);
  });
});
