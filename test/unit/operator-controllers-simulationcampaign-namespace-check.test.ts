// namespace-check.ts: which runner Secret the operator takes as complete (the
// looks themselves are in test/integration/campaign-stuck.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { secretComplete } from '../../operator/controllers/simulationcampaign/namespace-check.ts';
import { campaignSettingsFromEnv } from '../../operator/controllers/simulationcampaign/settings.ts';

const mongo = { uri: 'mongodb://db:27017', database: 'inetswarm' };
const withNats = campaignSettingsFromEnv({ INETSWARM_NATS_URL: 'nats://n:4222', INETSWARM_NATS_ACCOUNT: `A${'B'.repeat(55)}`, INETSWARM_NATS_SIGNING_KEY: `SA${'C'.repeat(56)}` }, mongo, 1000);
const withoutSigner = campaignSettingsFromEnv({ INETSWARM_NATS_URL: 'nats://n:4222' }, mongo, 1000);
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('secretComplete', () => {
  it('takes a Secret with the store URI and the NATS user as complete', () => assert.equal(secretComplete({ data: { 'mongodb-uri': b64('mongodb://u:p@db'), 'nats-creds': b64('creds') } }, withNats), true));
  it('takes one without the NATS user as incomplete when the operator mints users', () => assert.equal(secretComplete({ data: { 'mongodb-uri': b64('mongodb://u:p@db') } }, withNats), false));
  it('needs no NATS user when the operator mints none', () => assert.equal(secretComplete({ data: { 'mongodb-uri': b64('mongodb://u:p@db') } }, withoutSigner), true));
  it('takes an empty key as missing', () => assert.equal(secretComplete({ data: { 'mongodb-uri': '', 'nats-creds': b64('creds') } }, withNats), false));
});
