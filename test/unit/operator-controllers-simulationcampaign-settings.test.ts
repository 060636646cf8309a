import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { campaignSettingsFromEnv } from '../../operator/controllers/simulationcampaign/settings.ts';
import { runnerSecret, SECRET_KEYS } from '../../operator/controllers/simulationcampaign/manifests.ts';

const mongo = { uri: 'mongodb://db:27017', database: 'inetswarm' };
const account = `A${'B'.repeat(55)}`;
const seed = `SA${'C'.repeat(56)}`;
const read = (env: Record<string, string>) => campaignSettingsFromEnv({ INETSWARM_NATS_URL: 'nats://nats:4222', ...env }, mongo, 1000);

describe('the NATS settings of the campaign controller', () => {
  it('reads the account and its signing seed as the signer', () => {
    assert.deepEqual(read({ INETSWARM_NATS_ACCOUNT: account, INETSWARM_NATS_SIGNING_KEY: seed }).nats, { url: 'nats://nats:4222', signer: { account, signingSeed: seed } });
  });
  it('runs without a signer when neither is set', () => {
    assert.deepEqual(read({}).nats, { url: 'nats://nats:4222' });
  });
  const refusals: { what: string; env: Record<string, string>; message: RegExp }[] = [
    { what: 'an account without a signing key', env: { INETSWARM_NATS_ACCOUNT: account }, message: /INETSWARM_NATS_SIGNING_KEY must be an account signing key seed/ },
    { what: 'a signing key without an account', env: { INETSWARM_NATS_SIGNING_KEY: seed }, message: /INETSWARM_NATS_ACCOUNT must be the public key/ },
    { what: 'a user key where the account belongs', env: { INETSWARM_NATS_ACCOUNT: `U${'B'.repeat(55)}`, INETSWARM_NATS_SIGNING_KEY: seed }, message: /INETSWARM_NATS_ACCOUNT/ },
    { what: 'an operator seed as the signing key', env: { INETSWARM_NATS_ACCOUNT: account, INETSWARM_NATS_SIGNING_KEY: `SO${'C'.repeat(56)}` }, message: /INETSWARM_NATS_SIGNING_KEY/ },
  ];
  for (const { what, env, message } of refusals) {
    it(`refuses ${what}, naming the variable`, () => assert.throws(() => read(env), message));
  }
});

describe('the runner Secret', () => {
  const settings = read({ INETSWARM_NATS_ACCOUNT: account, INETSWARM_NATS_SIGNING_KEY: seed });
  it('holds the namespace\'s NATS user and never the signing key', () => {
    const secret = runnerSecret('sims', settings, 'mongodb://tenant-sims:pw@db/inetswarm_sims', 'CREDS-OF-SIMS') as unknown as { stringData: Record<string, string> };
    assert.equal(secret.stringData[SECRET_KEYS.natsCreds], 'CREDS-OF-SIMS');
    assert.ok(!JSON.stringify(secret).includes(seed));
  });
  it('holds no NATS key without a minted user', () => {
    const secret = runnerSecret('sims', settings, 'mongodb://tenant-sims:pw@db/inetswarm_sims') as unknown as { stringData: Record<string, string> };
    assert.deepEqual(Object.keys(secret.stringData), [SECRET_KEYS.mongoUri]);
  });
});
