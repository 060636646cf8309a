// The work-queue semantics the runners rely on, checked on the stack's real
// nats-server: a work-queue stream, one durable pull consumer, ack, nak with
// delay, working() and deduplication by message id. Plus the stack's own
// promises about nats-server: a clear error when it cannot start, and a
// restart that keeps the store (the chaos tests need both).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  RetentionPolicy,
  jetstream,
  jetstreamManager,
  type Consumer,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { useStack } from '../stack/env.ts';
import { StackServerError } from '../stack/process.ts';
import { startNats } from '../stack/servers/nats.ts';
import { credsOptions } from '../../lib/queue/identity.ts';

const ms = (millis: number): number => millis * 1_000_000;
const text = (data: Uint8Array): string => Buffer.from(data).toString();

interface Queue {
  stream: string;
  subject: string;
  consumer: Consumer;
}

describe('JetStream work queue', () => {
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  const streams: string[] = [];

  before(async () => {
    const stack = await useStack();
    nc = await connect({ servers: stack.nats.url, ...credsOptions(stack.nats.creds) });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
  });

  after(async () => {
    for (const name of streams) await jsm.streams.delete(name).catch(() => undefined);
    await nc?.close();
  });

  /** A fresh work-queue stream with one durable pull consumer on its subject. */
  async function queue(ackWaitMs = 30_000): Promise<Queue> {
    const stream = `wq_${randomUUID().replaceAll('-', '')}`;
    const subject = `${stream}.tasks`;
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], retention: RetentionPolicy.Workqueue });
    streams.push(stream);
    await jsm.consumers.add(stream, {
      durable_name: 'runners',
      filter_subject: subject,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ms(ackWaitMs),
      max_deliver: 5,
    });
    return { stream, subject, consumer: await js.consumers.get(stream, 'runners') };
  }

  test('removes a message from the stream once it is pulled and acked', async () => {
    const q = await queue();
    await js.publish(q.subject, JSON.stringify({ kind: 'run', run: 0 }));
    assert.equal((await jsm.streams.info(q.stream)).state.messages, 1);

    const msg = await q.consumer.next({ expires: 2_000 });
    assert.ok(msg, 'a published task is delivered');
    assert.deepEqual(JSON.parse(text(msg.data)), { kind: 'run', run: 0 });
    assert.equal(msg.info.deliveryCount, 1);
    assert.equal(await msg.ackAck(), true);

    assert.equal((await jsm.streams.info(q.stream)).state.messages, 0);
    assert.equal(await q.consumer.next({ expires: 1_000 }), null);
  });

  test('redelivers a nakked message after its delay with deliveryCount 2', async () => {
    const q = await queue();
    await js.publish(q.subject, 'run 1');
    const first = await q.consumer.next({ expires: 2_000 });
    assert.ok(first);
    const nakkedAt = Date.now();
    first.nak(2_000);

    // The client's shortest pull is 1 s.
    assert.equal(await q.consumer.next({ expires: 1_000 }), null, 'not redelivered before the nak delay');
    const again = await q.consumer.next({ expires: 4_000 });
    assert.ok(again, 'redelivered after the nak delay');
    assert.ok(Date.now() - nakkedAt >= 1_900, `redelivered after ${Date.now() - nakkedAt} ms`);
    assert.equal(text(again.data), 'run 1');
    assert.equal(again.seq, first.seq);
    assert.equal(again.info.deliveryCount, 2);
    assert.equal(again.redelivered, true);
    await again.ackAck();
    assert.equal((await jsm.streams.info(q.stream)).state.messages, 0);
  });

  test('redelivers a message whose AckWait passes without working()', async () => {
    const q = await queue(1_000);
    await js.publish(q.subject, 'slow run');
    const first = await q.consumer.next({ expires: 2_000 });
    assert.ok(first);
    const again = await q.consumer.next({ expires: 3_000 });
    assert.ok(again, 'redelivered once AckWait passed');
    assert.equal(again.seq, first.seq);
    assert.equal(again.info.deliveryCount, 2);
    await again.ackAck();
  });

  test('keeps a message from being redelivered while working() extends its AckWait', async () => {
    const q = await queue(1_000);
    await js.publish(q.subject, 'long run');
    const msg = await q.consumer.next({ expires: 2_000 });
    assert.ok(msg);
    // 2.4 s of work, three times the AckWait, kept alive every 400 ms.
    const other = q.consumer.next({ expires: 2_400 });
    for (let i = 0; i < 6; i++) {
      await sleep(400);
      msg.working();
    }
    assert.equal(await other, null, 'no other puller got the message while it was being worked on');
    assert.equal(await msg.ackAck(), true);
    const info = await jsm.consumers.info(q.stream, 'runners');
    assert.equal(info.num_redelivered, 0);
    assert.equal(info.num_ack_pending, 0);
    assert.equal((await jsm.streams.info(q.stream)).state.messages, 0);
  });

  test('ignores a second publish with the same Nats-Msg-Id', async () => {
    const q = await queue();
    const first = await js.publish(q.subject, 'plan', { msgID: `plan-${q.stream}` });
    const second = await js.publish(q.subject, 'plan again', { msgID: `plan-${q.stream}` });
    assert.equal(first.duplicate, false);
    assert.equal(second.duplicate, true);
    assert.equal(second.seq, first.seq);
    assert.equal((await jsm.streams.info(q.stream)).state.messages, 1);
    const msg = await q.consumer.next({ expires: 2_000 });
    assert.equal(msg && text(msg.data), 'plan');
    await msg?.ackAck();
  });
});

describe('nats-server of the local stack', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inet-swarm-nats-test-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('reports a start on a taken port as a StackServerError naming nats-server, its command and log', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      await assert.rejects(startNats({ dir, port }), (error: unknown) => {
        assert.ok(error instanceof StackServerError, String(error));
        assert.equal(error.server, 'nats-server');
        assert.match(error.command, /nats-server-\w+ -c .*nats\.conf/);
        assert.match(error.logTail, /address already in use/);
        assert.match(error.message, /^nats-server exited with code/);
        return true;
      });
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  test('keeps streams and messages across a kill and restart on the same port', async () => {
    const server = await startNats({ dir });
    try {
      const stream = `restart_${randomUUID().replaceAll('-', '')}`;
      let nc = await connect({ servers: server.url, ...credsOptions(server.creds) });
      await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${stream}.>`], retention: RetentionPolicy.Workqueue });
      await jetstream(nc).publish(`${stream}.tasks`, 'survives');
      await nc.close();

      await server.kill();
      await server.restart();

      nc = await connect({ servers: server.url, ...credsOptions(server.creds) });
      try {
        const jsm = await jetstreamManager(nc);
        assert.equal((await jsm.streams.info(stream)).state.messages, 1);
        await jsm.consumers.add(stream, { durable_name: 'after', ack_policy: AckPolicy.Explicit });
        const msg = await jetstream(nc).consumers.get(stream, 'after').then((c) => c.next({ expires: 2_000 }));
        assert.equal(msg && text(msg.data), 'survives');
      } finally {
        await nc.close();
      }
    } finally {
      await server.stop();
    }
  });
});
