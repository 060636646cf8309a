// The names of a namespace's database and user, and the login URI written into its Secrets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASE_NAME_LIMIT, PREFIX_LIMIT, prefixProblem, tenantDatabase, tenantPasswordIn, tenantUri, tenantUser } from '../../lib/store/tenant.ts';

/** A namespace name of `length` characters (DNS-1123 label). */
const longNamespace = (length: number, fill = 'n'): string => `a${fill.repeat(length - 2)}z`;

describe('tenantDatabase', () => {
  it('is <prefix>_<namespace> while that fits', () => {
    assert.equal(tenantDatabase('inetswarm', 'team-a'), 'inetswarm_team-a');
  });

  it('stays within 63 bytes for the longest namespace and the longest prefix', () => {
    const name = tenantDatabase('p'.repeat(PREFIX_LIMIT), longNamespace(63));
    assert.ok(name.length <= DATABASE_NAME_LIMIT, `${name} (${name.length})`);
    assert.ok(tenantDatabase('inetswarm', longNamespace(63)).length <= DATABASE_NAME_LIMIT);
  });

  it('gives long namespaces that share their first characters different databases', () => {
    const a = tenantDatabase('inetswarm', `${'x'.repeat(60)}-aa`);
    const b = tenantDatabase('inetswarm', `${'x'.repeat(60)}-bb`);
    assert.notEqual(a, b);
    assert.match(a, /^inetswarm_x+_[0-9a-f]{16}$/);
  });

  it('never gives a shortened name that a short namespace has (the shortened part holds the only "_")', () => {
    const long = longNamespace(60);
    const shortened = tenantDatabase('inetswarm', long);
    const rest = shortened.slice('inetswarm_'.length);
    assert.ok(rest.includes('_'));
    // A namespace cannot contain "_", so no namespace's plain name equals this one.
    assert.notEqual(tenantDatabase('inetswarm', rest.replace('_', '-')), shortened);
  });

  it('is the same for the same namespace (every reader derives it)', () => {
    assert.equal(tenantDatabase('inetswarm', longNamespace(63)), tenantDatabase('inetswarm', longNamespace(63)));
  });
});

describe('prefixProblem', () => {
  it('accepts the default and test prefixes', () => {
    assert.equal(prefixProblem('inetswarm'), undefined);
    assert.equal(prefixProblem('campaign_e2e_1a2b3c'), undefined);
  });

  it('refuses upper case (MongoDB refuses names differing only in case), dots, and prefixes too long to leave room', () => {
    assert.match(prefixProblem('InetSwarm') ?? '', /lower-case/);
    assert.match(prefixProblem('inet.swarm') ?? '', /lower-case/);
    assert.match(prefixProblem('p'.repeat(PREFIX_LIMIT + 1)) ?? '', /at most/);
  });
});

describe('tenantUri', () => {
  const login = { user: tenantUser('team-a'), password: 'p@ss/w:rd', database: 'inetswarm_team-a' };

  it("replaces the admin's credentials and database and keeps hosts and options", () => {
    const uri = tenantUri('mongodb://root:secret@m-0.mongo:27017,m-1.mongo:27017/?authSource=admin&replicaSet=rs0&tls=true', login);
    assert.equal(uri, 'mongodb://tenant-team-a:p%40ss%2Fw%3Ard@m-0.mongo:27017,m-1.mongo:27017/inetswarm_team-a?authSource=inetswarm_team-a&replicaSet=rs0&tls=true');
    assert.ok(!uri.includes('root') && !uri.includes('secret'));
  });

  it('works on a base without credentials, path or options, and on mongodb+srv', () => {
    assert.equal(tenantUri('mongodb://mongo:27017', login), 'mongodb://tenant-team-a:p%40ss%2Fw%3Ard@mongo:27017/inetswarm_team-a?authSource=inetswarm_team-a');
    assert.match(tenantUri('mongodb+srv://admin:x@cluster0.example.net/admin?authMechanism=SCRAM-SHA-256', login), /^mongodb\+srv:\/\/tenant-team-a:[^@]+@cluster0\.example\.net\/inetswarm_team-a\?authSource=inetswarm_team-a$/);
  });

  it('refuses what is not a MongoDB URI', () => {
    assert.throws(() => tenantUri('http://mongo', login), /not a mongodb/);
  });
});

describe('tenantPasswordIn', () => {
  const login = { user: tenantUser('team-a'), password: 'p@ss/w:rd', database: 'inetswarm_team-a' };

  it('reads back the password tenantUri wrote', () => {
    assert.equal(tenantPasswordIn(tenantUri('mongodb://mongo:27017', login), login.user, login.database), login.password);
  });

  it("ignores an admin's URI (a Secret from before tenant users), another user's and another database's", () => {
    assert.equal(tenantPasswordIn('mongodb://root:secret@mongo:27017/?authSource=admin', login.user, login.database), undefined);
    assert.equal(tenantPasswordIn(tenantUri('mongodb://mongo', { ...login, user: 'tenant-team-b' }), login.user, login.database), undefined);
    assert.equal(tenantPasswordIn(tenantUri('mongodb://mongo', { ...login, database: 'inetswarm_team-b' }), login.user, login.database), undefined);
    assert.equal(tenantPasswordIn('not a uri', login.user, login.database), undefined);
  });
});
