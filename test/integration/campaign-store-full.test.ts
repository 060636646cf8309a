// A store whose disk is full, for real: a FerretDB of its own (SQLite, as in
// the stack) with its data folder on a 24 MiB tmpfs, filled until it refuses
// writes, then grown to 64 MiB (the test needs root to mount). Checks that the error the server really
// sends is taken for a full store, that an attempt storing its results then
// is handed back after a long wait without counting the attempt, and that the
// operator (a child process against this store, the stack's kube-apiserver
// and NATS; kwok nodes) shows StoreFull on the campaign with a Warning Event,
// and StoreWritable once the volume has grown.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { concludeAttempt } from '../../lib/engine/attempt.ts';
import { STORE_FULL_RETRY_MS } from '../../lib/engine/decide.ts';
import type { RunOutcome } from '../../lib/engine/simulate.ts';
import { isStoreFull } from '../../lib/store/full.ts';
import { uploadResultFiles } from '../../lib/store/result-files.ts';
import { startMongo, type MongoServer } from '../stack/servers/mongo.ts';
import { useStack } from '../stack/env.ts';
import { freePort } from '../stack/process.ts';
import { CampaignWorld } from '../support/campaign.ts';

const run = promisify(execFile);
let dir = '';
let mountpoint = '';
let small: MongoServer | undefined;
let world: CampaignWorld;

before(async () => {
  const stack = await useStack();
  // Only FerretDB's data folder is on the tmpfs: its log and state stay writable.
  dir = await mkdtemp(join(tmpdir(), 'store-full-'));
  const port = await freePort();
  mountpoint = join(dir, `ferretdb-${port}`, 'data');
  await mkdir(mountpoint, { recursive: true });
  await run('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountpoint]);
  small = await startMongo({ dir, port });
  world = new CampaignWorld({ ...stack, mongo: { uri: small.uri } }, 'campaign-store-full');
  await world.setUp();
  await world.startOperator();
  await world.createReadyBuild('fixture');
});

after(async () => {
  await world?.tearDown();
  await small?.stop();
  if (mountpoint) await run('umount', [mountpoint]).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Inserts 256 KiB documents until the store refuses one; returns that error. */
async function fill(): Promise<unknown> {
  const filler = world.db.collection('filler');
  const blob = 'x'.repeat(256 * 1024);
  for (let i = 0; i < 1000; i++) {
    try {
      await filler.insertOne({ i, blob });
    } catch (err) {
      return err;
    }
  }
  throw new Error('24 MiB took 250 MiB of documents: the tmpfs is not where the store writes');
}

describe('a full store', { timeout: 300_000 }, () => {
  it('is recognised from the server’s own error, waited for by a runner, and shown as StoreFull on the campaign', async () => {
    const campaign = await world.createCampaign('full', { config: 'Aloha' });
    await world.campaignWhere('full', 'planning', (c) => c.status?.phase === 'Planning');
    const err = await fill();
    assert.ok(isStoreFull(err), `not taken for a full store: ${String(err)}`);

    // A runner's attempt whose results cannot be stored: handed back after a minute, its attempt not counted.
    const sca = join(world.dir, 'x.sca');
    await writeFile(sca, 'x'.repeat(512 * 1024));
    const outcome: RunOutcome = { kind: 'succeeded', exitCode: 0, signal: null, elapsedMs: 1, outputTail: '' };
    const settled = await concludeAttempt(outcome, 1, { maxAttempts: 3, retrySimulationErrors: false }, async () => {
      await uploadResultFiles(world.db, [{ path: sca, name: 'x.sca' }], { campaignUid: campaign.metadata.uid ?? '', run: 0, attempt: 1, token: 't0' });
    });
    assert.deepEqual({ action: settled.action, reason: settled.reason, delayMs: settled.delayMs, refundAttempt: settled.refundAttempt }, { action: 'nak', reason: 'StoreFull', delayMs: STORE_FULL_RETRY_MS, refundAttempt: true });

    const full = await world.campaignWhere('full', 'showing StoreFull', (c) => c.status?.conditions?.some((x) => x.type === 'StoreFull' && x.status === 'True') === true, 120_000);
    assert.match(full.status?.conditions?.find((x) => x.type === 'StoreFull')?.message ?? '', /result store is full/);
    assert.equal(full.status?.phase, 'Planning');
    const events = await world.core.listNamespacedEvent({ namespace: world.namespace, fieldSelector: `involvedObject.uid=${campaign.metadata.uid}` });
    assert.ok(events.items.some((e) => e.reason === 'StoreFull' && e.type === 'Warning'), 'a StoreFull Warning Event');

    // Room is made by growing the volume: FerretDB's SQLite keeps the space of deleted documents in its files, and
    // after a drop it still refused a 256 KiB insert (tried by hand), so deleting is no way to make room here.
    await run('mount', ['-o', 'remount,size=64m', mountpoint]);
    const writable = await world.campaignWhere('full', 'writable again', (c) => c.status?.conditions?.some((x) => x.type === 'StoreFull' && x.status === 'False') === true, 120_000);
    assert.equal(writable.status?.conditions?.find((x) => x.type === 'StoreFull')?.reason, 'StoreWritable');
  });
});
