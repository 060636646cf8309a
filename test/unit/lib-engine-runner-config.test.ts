import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeRunnerConfig, redactUri, runnerConfigFromEnv, runnerEnv, SECRET_ENV, simulationEnv, type RunnerConfig } from '../../lib/engine/runner-config.ts';

const config: RunnerConfig = {
  namespace: 'sims',
  campaign: 'aloha',
  campaignUid: 'u-1',
  podName: 'aloha-runner-abc',
  nats: { url: 'nats://nats:4222', creds: '-----BEGIN NATS USER JWT-----\ns3cret\n------END NATS USER JWT------' },
  mongo: { uri: 'mongodb://app:pw@mongo:27017/?authSource=admin', database: 'inetswarm' },
  queuePrefix: 'INETSWARM',
  ackWaitMs: 60_000,
  heartbeatMs: 15_000,
  artifact: { digest: `sha256:${'a'.repeat(64)}`, cacheDir: '/cache' },
  workDir: '/scratch',
  simulation: { executable: 'opp_run', workingDir: 'examples/aloha', iniFiles: ['omnetpp.ini'], config: 'PureAloha', runFilter: '0..9', libraries: ['src/INET'] },
  results: { include: ['*.sca', '*.vec'], storeScalars: true },
  drainGraceMs: 10_000,
  shutdownGraceMs: 20_000,
  killGraceMs: 5_000,
  connectTimeoutMs: 60_000,
};

describe('runner configuration', () => {
  it('reads back exactly the configuration the operator wrote into the environment', () => {
    assert.deepEqual(runnerConfigFromEnv(runnerEnv(config)), config);
  });
  it('reads the launcher path when the image sets one, and spawns without it otherwise', () => {
    const withLauncher = { ...config, launcher: '/usr/local/bin/inet-swarm-launcher' };
    assert.deepEqual(runnerConfigFromEnv(runnerEnv(withLauncher)), withLauncher);
    assert.equal(runnerConfigFromEnv(runnerEnv(config)).launcher, undefined);
  });
  it('gives simulations the runner environment without any of its own settings or credentials', () => {
    const env = simulationEnv({ ...runnerEnv(config), PATH: '/usr/bin', LD_LIBRARY_PATH: '/opt/omnetpp/lib' });
    assert.deepEqual(env, { PATH: '/usr/bin', LD_LIBRARY_PATH: '/opt/omnetpp/lib' });
  });
  it('names the missing variable', () => {
    const env = runnerEnv(config);
    delete env.INETSWARM_NATS_URL;
    assert.throws(() => runnerConfigFromEnv(env), /INETSWARM_NATS_URL is required/);
  });
  it('names a malformed duration', () => {
    assert.throws(() => runnerConfigFromEnv({ ...runnerEnv(config), INETSWARM_ACK_WAIT_SECONDS: 'soon' }), /INETSWARM_ACK_WAIT_SECONDS must be a positive number/);
  });
  it('refuses a heartbeat that would not land well inside AckWait', () => {
    assert.throws(() => runnerConfigFromEnv({ ...runnerEnv(config), INETSWARM_HEARTBEAT_SECONDS: '40' }), /at most half of INETSWARM_ACK_WAIT_SECONDS/);
  });
  it('carries include patterns with commas, and an empty list, through the environment', () => {
    for (const include of [['*.{sca,vec}', 'Aloha-n=1,m=2-#0.sca'], []]) {
      const withInclude = { ...config, results: { ...config.results, include } };
      assert.deepEqual(runnerConfigFromEnv(runnerEnv(withInclude)).results.include, include);
    }
    assert.deepEqual(runnerConfigFromEnv({ ...runnerEnv(config), INETSWARM_RESULTS_INCLUDE: '*.sca, *.vec' }).results.include, ['*.sca', '*.vec']);
  });
  it('refuses an include pattern outside the grammar at start, naming it', () => {
    assert.throws(() => runnerConfigFromEnv({ ...runnerEnv(config), INETSWARM_RESULTS_INCLUDE: '["*.sca","[z-a]*.vec"]' }), /INETSWARM_RESULTS_INCLUDE has invalid patterns: "\[z-a\]\*\.vec": the range z-a is reversed/);
  });
  it('reads the plan limit', () => {
    assert.equal(runnerConfigFromEnv({ ...runnerEnv(config), INETSWARM_PLAN_MAX_RUNS: '1000' }).planMaxRuns, 1000);
    assert.throws(() => runnerConfigFromEnv({ ...runnerEnv(config), INETSWARM_PLAN_MAX_RUNS: '0' }), /INETSWARM_PLAN_MAX_RUNS/);
  });
  it('names a malformed simulation spec field', () => {
    const sim = JSON.stringify({ ...config.simulation, iniFiles: 'omnetpp.ini' });
    assert.throws(() => runnerConfigFromEnv({ ...runnerEnv(config), INETSWARM_SIMULATION: sim }), /INETSWARM_SIMULATION.iniFiles must be a list/);
  });
  it('marks the credential variables for a Secret', () => {
    const env = runnerEnv(config);
    for (const name of SECRET_ENV) assert.ok(env[name], `${name} is set`);
  });
  it('describes the configuration without credentials', () => {
    const text = JSON.stringify(describeRunnerConfig(config));
    assert.ok(!text.includes('s3cret') && !text.includes(':pw@'), text);
    assert.equal(redactUri('mongodb://u:p@h:1/db'), 'mongodb://u:***@h:1/db');
  });
});
