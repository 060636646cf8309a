import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callerFromHeaders, headerList } from '../../service/auth/identity.ts';

const names = { username: ['X-Remote-User'], uid: ['X-Remote-Uid'], group: ['X-Remote-Group'], extraPrefix: ['X-Remote-Extra-'] };

describe('the caller the aggregation headers name', () => {
  it('is the user with every group, repeated or comma-joined', () => {
    const caller = callerFromHeaders({ 'x-remote-user': 'alice', 'x-remote-group': ['team-a', 'system:authenticated'] }, names);
    assert.deepEqual(caller, { user: 'alice', groups: ['team-a', 'system:authenticated'], extra: {} });
    assert.deepEqual(callerFromHeaders({ 'x-remote-user': 'bob', 'x-remote-group': 'a, b' }, names)?.groups, ['a', 'b']);
  });

  it('carries the uid and the extra values under their decoded, lowercased keys', () => {
    const caller = callerFromHeaders({ 'x-remote-user': 'sa', 'x-remote-uid': 'u-1', 'x-remote-extra-authentication.kubernetes.io%2fpod-name': 'p' }, names);
    assert.equal(caller?.uid, 'u-1');
    assert.deepEqual(caller?.extra, { 'authentication.kubernetes.io/pod-name': ['p'] });
  });

  it('is nobody when no user header is present', () => {
    assert.equal(callerFromHeaders({ 'x-remote-group': 'system:masters' }, names), undefined);
  });

  it('reads the ConfigMap lists, refusing what is not a list of strings', () => {
    assert.deepEqual(headerList('["X-Remote-User"]'), ['X-Remote-User']);
    assert.deepEqual(headerList(undefined), []);
    assert.throws(() => headerList('{"a":1}'), /not a JSON list/);
  });
});
