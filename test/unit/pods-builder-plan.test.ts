import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCloneFailure, distccHosts, parseBuilderEnv, redactUrl } from '../../pods/builder/plan.ts';
import { ConfigError } from '../../lib/config.ts';
import { loadConfig } from '../../operator/config.ts';

const baseEnv = {
  INETSWARM_BUILD_NAME: 'b',
  INETSWARM_BUILD_NAMESPACE: 'ns',
  INETSWARM_BUILD_UID: 'u',
  INETSWARM_GIT_REPOSITORY: 'https://example.org/m.git',
  INETSWARM_GIT_REVISION: 'a'.repeat(40),
  INETSWARM_MONGO_URI: 'mongodb://db',
};

describe('parseBuilderEnv', () => {
  it('reads commands, exclusions and the distcc override from the pod environment', () => {
    const settings = parseBuilderEnv({
      ...baseEnv,
      INETSWARM_BUILD_COMMANDS: '["make makefiles","make -j$JOBS"]',
      INETSWARM_ARTIFACT_EXCLUDE: '[".git","out/","*.o"]',
      INETSWARM_DISTCC_HOSTS: '127.0.0.1:37001, 127.0.0.1:37002',
      INETSWARM_DISTCC_JOBS: '',
    });
    assert.deepEqual(settings.commands, ['make makefiles', 'make -j$JOBS']);
    assert.deepEqual(settings.artifactExclude, ['.git', 'out', '*.o']);
    assert.deepEqual(settings.distcc.hostsOverride, ['127.0.0.1:37001', '127.0.0.1:37002']);
    assert.equal(settings.distcc.jobs, undefined);
    assert.equal(settings.submodules, true);
  });

  const rejected: { name: string; env: NodeJS.ProcessEnv; message: RegExp }[] = [
    { name: 'rejects an environment without the repository', env: { ...baseEnv, INETSWARM_GIT_REPOSITORY: '' }, message: /INETSWARM_GIT_REPOSITORY/ },
    { name: 'rejects commands that are not a JSON list of strings', env: { ...baseEnv, INETSWARM_BUILD_COMMANDS: 'make' }, message: /INETSWARM_BUILD_COMMANDS/ },
    { name: 'rejects a job count that is not a positive integer', env: { ...baseEnv, INETSWARM_DISTCC_JOBS: '0' }, message: /INETSWARM_DISTCC_JOBS/ },
  ];
  for (const { name, env, message } of rejected) {
    it(name, () => {
      assert.throws(() => parseBuilderEnv(env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }
});

describe('distccHosts', () => {
  const table: { peers: string[]; jobs: number | undefined; hosts: string; expectedJobs: number }[] = [
    { peers: ['10.0.0.1:3632', '10.0.0.2:3632'], jobs: undefined, hosts: '10.0.0.1:3632/4 10.0.0.2:3632/4', expectedJobs: 8 },
    { peers: ['10.0.0.1:3632'], jobs: 16, hosts: '10.0.0.1:3632/4', expectedJobs: 16 },
    { peers: [], jobs: undefined, hosts: '', expectedJobs: 1 },
  ];
  for (const { peers, jobs, hosts, expectedJobs } of table) {
    it(`offers ${expectedJobs} jobs over ${peers.length} peers when ${String(jobs)} were asked for`, () => {
      assert.deepEqual(distccHosts(peers, jobs), { hosts, jobs: expectedJobs });
    });
  }
});

describe('redactUrl and describeCloneFailure', () => {
  it('removes a token embedded in an https URL', () => {
    assert.equal(redactUrl('https://user:s3cret@github.com/o/r.git'), 'https://github.com/o/r.git');
    assert.equal(redactUrl('git@github.com:o/r.git'), 'git@github.com:o/r.git');
  });

  it("names the repository and git's fatal line, without the credentials", () => {
    const message = describeCloneFailure(
      'https://x:tok@example.org/nope.git',
      "hint: something\nfatal: repository 'https://example.org/nope.git/' not found\n",
    );
    assert.equal(message, "Cannot clone https://example.org/nope.git: repository 'https://example.org/nope.git/' not found");
  });
});

describe('loadConfig', () => {
  it('takes flags over environment variables', () => {
    const config = loadConfig({ INETSWARM_MONGO_URI: 'mongodb://env', INETSWARM_METRICS_PORT: '9000' }, ['--metrics-port', '9100', '--watch-namespace', 'team']);
    assert.equal(config.metricsPort, 9100);
    assert.equal(config.watchNamespace, 'team');
    assert.equal(config.mongo.uri, 'mongodb://env');
    assert.equal(config.leaderElection.enabled, true);
  });

  it('refuses to start without a MongoDB URI', () => {
    assert.throws(() => loadConfig({}, []), /INETSWARM_MONGO_URI/);
  });
});
