import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clusterServiceOf, localUri } from '../../cli/campaign/mongo-uri.ts';

describe('clusterServiceOf and localUri', () => {
  const cases: Array<[string, string, ReturnType<typeof clusterServiceOf>]> = [
    ['mongodb://u:p@inet-swarm-mongodb.inet-swarm-system.svc:27017/inetswarm', 'full service DNS name', { service: 'inet-swarm-mongodb', namespace: 'inet-swarm-system', port: 27017 }],
    ['mongodb://mongo.db.svc.cluster.local/x', 'cluster.local name with the default port', { service: 'mongo', namespace: 'db', port: 27017 }],
    ['mongodb://mongo:27018', 'a bare service name in the current namespace', { service: 'mongo', namespace: 'team', port: 27018 }],
    ['mongodb://127.0.0.1:27017', 'an IP address (not a service)', undefined],
    ['mongodb+srv://cluster0.example.mongodb.net/db', 'an external SRV URI', undefined],
    ['mongodb://db.example.com:27017', 'an external host name', undefined],
  ];
  for (const [uri, what, expected] of cases) it(`recognises ${what}`, () => assert.deepEqual(clusterServiceOf(uri, 'team'), expected));

  it('points a URI at the local forward and keeps credentials and options', () => {
    assert.equal(
      localUri('mongodb://u:p@mongo.db.svc:27017/inetswarm?authSource=admin&replicaSet=rs0', 4000),
      'mongodb://u:p@127.0.0.1:4000/inetswarm?authSource=admin&directConnection=true',
    );
    assert.equal(localUri('mongodb://mongo:27017', 4000), 'mongodb://127.0.0.1:4000/?directConnection=true');
  });
});
