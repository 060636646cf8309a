// The operator's configuration where issue 15 changed it: the database setting is the prefix of the namespaces'
// databases, checked when read, and the builder Secret's default name differs from the chart's root Secret's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../operator/config.ts';
import { ConfigError } from '../../lib/config.ts';

const base = { INETSWARM_MONGO_URI: 'mongodb://root:pw@mongo:27017/?authSource=admin' };

describe('loadConfig', () => {
  it('takes inetswarm as the prefix of the namespaces\' databases and inet-swarm-builder as the builder Secret', () => {
    const config = loadConfig(base, []);
    assert.equal(config.mongo.database, 'inetswarm');
    assert.equal(config.build.mongoDatabase, 'inetswarm');
    assert.equal(config.campaign.mongoDatabase, 'inetswarm');
    assert.equal(config.build.mongoSecretName, 'inet-swarm-builder');
  });

  it('refuses a prefix MongoDB could not use for every namespace, naming the variable', () => {
    for (const prefix of ['Results', 'inet.swarm', 'x'.repeat(45)]) {
      assert.throws(() => loadConfig({ ...base, INETSWARM_MONGO_DATABASE: prefix }, []), (error: unknown) => error instanceof ConfigError && error.variable === 'INETSWARM_MONGO_DATABASE');
    }
    assert.throws(() => loadConfig(base, ['--mongodb-database', 'A']), ConfigError);
  });
  it('refuses lease timings under which a stepping-down leader could overlap its successor', () => {
    const timings = (retry: string, deadline: string, duration: string) => ({ ...base, INETSWARM_LEASE_RETRY_PERIOD_SECONDS: retry, INETSWARM_LEASE_RENEW_DEADLINE_SECONDS: deadline, INETSWARM_LEASE_DURATION_SECONDS: duration });
    assert.deepEqual(loadConfig(timings('2', '10', '15'), []).leaderElection.renewDeadlineMs, 10_000);
    for (const [retry, deadline, duration] of [['2', '15', '15'], ['2', '20', '15'], ['10', '10', '15']] as const) {
      assert.throws(() => loadConfig(timings(retry, deadline, duration), []), (error: unknown) => error instanceof ConfigError && /RETRY_PERIOD_SECONDS < .*RENEW_DEADLINE_SECONDS < .*DURATION_SECONDS/.test(error.message));
    }
  });
});
