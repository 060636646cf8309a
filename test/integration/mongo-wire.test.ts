// What the results store needs from the MongoDB wire server of the local
// stack (FerretDB v1, SQLite backend): indexes, unique keys, conditional
// updates that let exactly one writer win, findOneAndUpdate, GridFS for
// artifacts and result files, enforced authentication, and data that
// survives a crash and restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GridFSBucket, MongoClient, MongoServerError, type Db } from 'mongodb';
import { useStack } from '../stack/env.ts';
import { startMongo } from '../stack/servers/mongo.ts';

interface Run {
  campaignUid: string;
  run: number;
  status: 'running' | 'succeeded' | 'failed';
  attempt: number;
  pod?: string;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('MongoDB wire server (FerretDB)', () => {
  let uri: string;
  let client: MongoClient;
  const dbs: Db[] = [];

  before(async () => {
    uri = (await useStack()).mongo.uri;
    client = await new MongoClient(uri).connect();
  });

  after(async () => {
    for (const db of dbs) await db.dropDatabase().catch(() => undefined);
    await client?.close();
  });

  /** A database of its own for each test. */
  function freshDb(): Db {
    const db = client.db(`t_${randomUUID().replaceAll('-', '').slice(0, 20)}`);
    dbs.push(db);
    return db;
  }

  test('inserts documents and finds them through a compound index that listIndexes shows', async () => {
    const runs = freshDb().collection<Run>('runs');
    await runs.insertMany(
      Array.from({ length: 50 }, (_, run) => ({ campaignUid: run % 2 ? 'a' : 'b', run, status: 'running', attempt: 1 }) as Run),
    );
    const name = await runs.createIndex({ campaignUid: 1, run: 1 });
    const indexes = await runs.listIndexes().toArray();
    assert.deepEqual(
      indexes.map((index) => [index.name, index.key]),
      [
        ['_id_', { _id: 1 }],
        [name, { campaignUid: 1, run: 1 }],
      ],
    );
    const found = await runs.find({ campaignUid: 'a', run: { $gte: 40 } }, { projection: { _id: 0, run: 1 } }).sort({ run: 1 }).toArray();
    assert.deepEqual(found, [{ run: 41 }, { run: 43 }, { run: 45 }, { run: 47 }, { run: 49 }]);
  });

  // FerretDB v1 with SQLite creates the index (listIndexes shows it, unique
  // ones are enforced) but pushes only _id filters down to SQLite: any other
  // filter is a full scan filtered in Go (explain: filterPushdown false,
  // plan "SCAN <table>"). Fine for tests; a campaign of 100,000 runs needs
  // real MongoDB, which the chart deploys.
  test(
    'runs a query on an indexed field through that index',
    { todo: 'FerretDB v1 (SQLite) scans the whole collection for filters other than _id' },
    async () => {
      const runs = freshDb().collection<Run>('runs');
      await runs.insertMany(Array.from({ length: 20 }, (_, run) => ({ campaignUid: `c${run % 4}`, run, status: 'running', attempt: 1 }) as Run));
      await runs.createIndex({ campaignUid: 1 });
      const plan = await runs.find({ campaignUid: 'c1' }).explain();
      assert.doesNotMatch(JSON.stringify(plan.queryPlanner), /SCAN|COLLSCAN/);
    },
  );

  test('rejects a duplicate key under a unique index with code 11000', async () => {
    const artifacts = freshDb().collection('artifacts');
    await artifacts.createIndex({ digest: 1 }, { unique: true });
    const [index] = (await artifacts.listIndexes().toArray()).filter((i) => i.name !== '_id_');
    assert.equal(index?.unique, true);
    await artifacts.insertOne({ digest: 'sha256:aa', size: 1 });
    await assert.rejects(artifacts.insertOne({ digest: 'sha256:aa', size: 2 }), (error: unknown) => {
      assert.ok(error instanceof MongoServerError);
      assert.equal(error.code, 11000);
      return true;
    });
    assert.equal(await artifacts.countDocuments({ digest: 'sha256:aa' }), 1);
  });

  test('applies a conditional update once: a later one whose filter no longer matches changes nothing', async () => {
    const runs = freshDb().collection<Run>('runs');
    await runs.insertOne({ campaignUid: 'c', run: 3, status: 'running', attempt: 1 });
    const finish = (pod: string) =>
      runs.updateOne({ campaignUid: 'c', run: 3, status: { $ne: 'succeeded' } }, { $set: { status: 'succeeded', pod } });
    const first = await finish('pod-a');
    const late = await finish('pod-b');
    assert.deepEqual([first.matchedCount, first.modifiedCount], [1, 1]);
    assert.deepEqual([late.matchedCount, late.modifiedCount], [0, 0]);
    const stored = await runs.findOne({ campaignUid: 'c', run: 3 }, { projection: { _id: 0 } });
    assert.deepEqual(stored, { campaignUid: 'c', run: 3, status: 'succeeded', attempt: 1, pod: 'pod-a' });
  });

  test('lets exactly one of ten concurrent writers of the same unique key win', async () => {
    const runs = freshDb().collection<Run>('runs');
    await runs.createIndex({ campaignUid: 1, run: 1 }, { unique: true });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        runs.updateOne(
          { campaignUid: 'c', run: 5 },
          { $setOnInsert: { status: 'succeeded', attempt: 1, pod: `pod-${i}` } },
          { upsert: true },
        ),
      ),
    );
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' && r.value.upsertedCount === 1 ? [`pod-${i}`] : []));
    assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
    for (const r of results) {
      if (r.status === 'rejected') assert.equal((r.reason as MongoServerError).code, 11000);
    }
    const stored = await runs.find({ campaignUid: 'c', run: 5 }).toArray();
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.pod, won[0]);
  });

  // FerretDB v1 runs an update as read, filter in Go, then replace by _id,
  // with no transaction around them (internal/handler/msg_update.go,
  // common.UpdateDocument): two concurrent conditional updates both see the
  // old document and both report modifiedCount 1; 20 concurrent $inc of one
  // field leave it at 2 or so. MongoDB guarantees this; FerretDB does not, so
  // code that must be right on both relies on unique keys (the test above)
  // for "first writer wins", never on a concurrent update's filter.
  test(
    'lets only the first of two concurrent conditional updates win',
    { todo: 'FerretDB v1 loses concurrent updates (no atomic read-modify-write); real MongoDB passes this' },
    async () => {
      const runs = freshDb().collection<Run>('runs');
      for (let run = 0; run < 10; run++) {
        await runs.insertOne({ campaignUid: 'c', run, status: 'running', attempt: 1 });
        const finish = (pod: string) =>
          runs.updateOne({ campaignUid: 'c', run, status: { $ne: 'succeeded' } }, { $set: { status: 'succeeded', pod } });
        const results = await Promise.all([finish('pod-a'), finish('pod-b')]);
        assert.deepEqual(results.map((r) => r.modifiedCount).sort(), [0, 1], `run ${run}`);
      }
    },
  );

  test('stores a run once: a late duplicate upsert fails on the unique key and changes nothing', async () => {
    const runs = freshDb().collection<Run>('runs');
    await runs.createIndex({ campaignUid: 1, run: 1 }, { unique: true });
    const store = (pod: string) =>
      runs.updateOne(
        { campaignUid: 'c', run: 7, status: { $ne: 'succeeded' } },
        { $set: { status: 'succeeded', pod }, $setOnInsert: { attempt: 1 } },
        { upsert: true },
      );
    const first = await store('pod-a');
    assert.equal(first.upsertedCount, 1);
    await assert.rejects(store('pod-b'), (error: unknown) => error instanceof MongoServerError && error.code === 11000);
    const all = await runs.find({ campaignUid: 'c' }, { projection: { _id: 0 } }).toArray();
    assert.deepEqual(all, [{ campaignUid: 'c', run: 7, status: 'succeeded', pod: 'pod-a', attempt: 1 }]);
  });

  test('returns the updated document from findOneAndUpdate and upserts a missing one', async () => {
    const counters = freshDb().collection<{ _id: string; next: number }>('counters');
    const created = await counters.findOneAndUpdate({ _id: 'runs' }, { $inc: { next: 1 } }, { upsert: true, returnDocument: 'after' });
    assert.deepEqual(created, { _id: 'runs', next: 1 });
    const before = await counters.findOneAndUpdate({ _id: 'runs' }, { $inc: { next: 5 } }, { returnDocument: 'before' });
    assert.deepEqual(before, { _id: 'runs', next: 1 });
    assert.deepEqual(await counters.findOne({ _id: 'runs' }), { _id: 'runs', next: 6 });
    assert.equal(await counters.findOneAndUpdate({ _id: 'absent' }, { $inc: { next: 1 } }), null);
  });

  test('round-trips a 20 MB file through GridFS with an identical sha256', async () => {
    const bucket = new GridFSBucket(freshDb(), { bucketName: 'artifacts' });
    const data = randomBytes(20 * 1024 * 1024);
    const digest = sha256(data);
    const upload = bucket.openUploadStream(`sha256:${digest}`, { metadata: { digest } });
    await pipeline(Readable.from([data]), upload);

    const [file] = await bucket.find({ filename: `sha256:${digest}` }).toArray();
    assert.equal(file?.length, data.length);
    assert.equal(file?.metadata?.digest, digest);

    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of bucket.openDownloadStream(upload.id)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    assert.equal(size, data.length);
    assert.equal(hash.digest('hex'), digest);
  });

  test('refuses commands from a client without credentials', async () => {
    const url = new URL(uri);
    const anonymous = new MongoClient(`mongodb://${url.host}/`, { serverSelectionTimeoutMS: 5_000 });
    try {
      await assert.rejects(anonymous.db('t_anonymous').collection('x').insertOne({ a: 1 }), /requires authentication/);
    } finally {
      await anonymous.close();
    }
  });
});

describe('FerretDB of the local stack', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inet-swarm-mongo-test-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('keeps data and credentials across a kill and restart on the same port', async () => {
    const server = await startMongo({ dir });
    try {
      let client = await new MongoClient(server.uri).connect();
      await client.db('chaos').collection('runs').insertOne({ run: 1, status: 'succeeded' });
      await client.close();

      await server.kill();
      await server.restart();

      client = await new MongoClient(server.uri).connect();
      try {
        const doc = await client.db('chaos').collection('runs').findOne({ run: 1 }, { projection: { _id: 0 } });
        assert.deepEqual(doc, { run: 1, status: 'succeeded' });
      } finally {
        await client.close();
      }
    } finally {
      await server.stop();
    }
  });
});
