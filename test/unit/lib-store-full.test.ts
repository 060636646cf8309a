import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MongoServerError } from 'mongodb';
import { isStoreFull, storeFullMessage } from '../../lib/store/full.ts';

function serverError(code: number, errmsg: string, codeName?: string): MongoServerError {
  return new MongoServerError({ ok: 0, code, errmsg, ...(codeName ? { codeName } : {}) });
}

describe('isStoreFull', () => {
  const table: [string, unknown, boolean][] = [
    ["MongoDB's OutOfDiskSpace by code", serverError(14031, 'Commit failed: disk quota reached'), true],
    ["MongoDB's OutOfDiskSpace by code name", serverError(1, 'x', 'OutOfDiskSpace'), true],
    ['a WiredTiger write that got ENOSPC', serverError(8, 'WiredTiger error (28) [..., file:collection-7.wt, WT_SESSION.commit_transaction: No space left on device]'), true],
    ['FerretDB on SQLite: SQLITE_FULL', serverError(1, 'sqlite: step: database or disk is full (13)'), true],
    ['FerretDB on PostgreSQL: disk_full', serverError(1, 'ERROR: could not extend file "base/16384/16402": No space left on device (SQLSTATE 53100)'), true],
    ['the store error wrapped in a TemporaryError-like cause', new Error('storing the results', { cause: serverError(14031, 'full') }), true],
    ['a duplicate key', serverError(11000, 'E11000 duplicate key error'), false],
    ['a lost connection', new Error('connection 4 to 127.0.0.1:27017 closed'), false],
    ['a string', 'database or disk is full', false],
    ['nothing', undefined, false],
  ];
  for (const [name, err, full] of table) it(`${full ? 'takes' : 'does not take'} ${name} for a full store`, () => assert.equal(isStoreFull(err), full));

  it('says what is full and what to do', () => {
    assert.match(storeFullMessage(serverError(14031, 'out of disk space')), /result store is full \(out of disk space\).*delete campaigns with --results/);
  });
});
