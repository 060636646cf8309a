// The builder's credential scope: which scheme, host and port a repository URL
// binds the Secret to, and the ssh configuration and git environment that
// carry that binding. Real git and ssh against it: test/integration/inetbuild-git-credentials.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { credentialHelperScript, credentialScope, gitConfigEnv, shellQuote, sshConfig, type CredentialScope } from '../../pods/builder/git-auth.ts';

describe('credentialScope', () => {
  const cases: Array<[string, CredentialScope]> = [
    ['https://github.com/inet-framework/inet.git', { kind: 'http', protocol: 'https', host: 'github.com' }],
    ['https://GitLab.Example.org:443/lab/model', { kind: 'http', protocol: 'https', host: 'gitlab.example.org' }],
    ['http://gitea.local:3000/lab/model.git', { kind: 'http', protocol: 'http', host: 'gitea.local:3000' }],
    ['http://[::1]:8080/m.git', { kind: 'http', protocol: 'http', host: '[::1]:8080' }],
    ['git@github.com:inet-framework/inet.git', { kind: 'ssh', host: 'github.com', port: 22 }],
    ['ssh://git@git.uni-example.de:2222/sim/aloha.git', { kind: 'ssh', host: 'git.uni-example.de', port: 2222 }],
    ['ssh://Git.Example.org/sim/aloha.git', { kind: 'ssh', host: 'git.example.org', port: 22 }],
    ['git+ssh://git@h.example/m', { kind: 'ssh', host: 'h.example', port: 22 }],
    ['file:///srv/git/m.git', { kind: 'none' }],
    ['git://git.example.net/m.git', { kind: 'none' }],
    ['/srv/git/m.git', { kind: 'none' }],
    ['ssh://ev"il/m', { kind: 'none' }],
  ];
  for (const [url, expected] of cases) {
    it(`binds ${url} to ${JSON.stringify(expected)}`, () => assert.deepEqual(credentialScope(url), expected));
  }
});

describe('the credential helper and ssh configuration', () => {
  it('quotes a value for the shell, quotes included', () => {
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });

  it('compares the protocol and host git asks for with the scope, and reads the Secret only then', () => {
    const script = credentialHelperScript({ kind: 'http', protocol: 'https', host: 'git.example.org:8443' }, '/creds');
    assert.match(script, /\[ "\$protocol" = 'https' \] && \[ "\$host" = 'git\.example\.org:8443' \] \|\| exit 0/);
    assert.match(script, /sed 's\/:443\$\/\/'/, 'the default port git may name is dropped before the comparison');
    assert.match(script, /cat '\/creds\/password'/);
    assert.ok(script.indexOf('"$host" =') < script.indexOf('cat '), 'the Secret is read only after the check');
  });

  it('adds the key only inside the block of the repository host and port, with strict host keys for every host', () => {
    const config = sshConfig({ kind: 'ssh', host: 'git.example.org', port: 2222 }, '/p/id', '/p/known_hosts');
    const [repoBlock = '', rest = ''] = config.split('Host *');
    assert.match(repoBlock, /^Match host "git\.example\.org" exec "test %p = 2222"\n {2}IdentityFile "\/p\/id"\n$/);
    assert.doesNotMatch(rest, /IdentityFile/);
    assert.match(rest, /StrictHostKeyChecking yes/);
    assert.match(rest, /UserKnownHostsFile "\/p\/known_hosts"/);
    assert.match(rest, /IdentityAgent none/);
  });

  it('passes git configuration as numbered environment variables', () => {
    assert.deepEqual(gitConfigEnv([['credential.helper', ''], ['credential.https://h.helper', '/x']]), {
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'credential.helper',
      GIT_CONFIG_VALUE_0: '',
      GIT_CONFIG_KEY_1: 'credential.https://h.helper',
      GIT_CONFIG_VALUE_1: '/x',
    });
  });
});
