// The per-namespace NATS identity, on the stack's real nats-server in
// operator mode (kwok nodes: no pods; the users are minted here with the
// stack's account signer, as the operator mints them, so no operator runs):
// namespace A's runner user can do all a runner does with its own campaign's
// tasks and events, and the server refuses it (a permissions violation) for
// namespace B's subjects, consumers and stream, for any stream change, and
// for replies outside A's inbox.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { connect, errors, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { useStack } from '../stack/env.ts';
import { eventually } from '../support/eventually.ts';
import { campaignQueueDepth, ensureCampaignConsumer, ensureStreams, publishPlanTask, publishRunTasks } from '../../lib/queue/jetstream.ts';
import { consumerName, eventSubject, namespaceTaskStream, queueNames, taskSubject, type CampaignRef } from '../../lib/queue/subjects.ts';
import { credsOptions, mintUserCreds } from '../../lib/queue/identity.ts';
import { inboxPrefix, runnerPermissions } from '../../lib/queue/permissions.ts';
import type { StackInfo } from '../stack/types.ts';

const policy = { maxAttempts: 3, retrySimulationErrors: false, runTimeoutMs: 60_000 };
const names = queueNames(`ID${randomBytes(3).toString('hex')}`);
const refA: CampaignRef = { namespace: 'tenant-a', campaign: 'aloha', campaignUid: randomUUID() };
const refB: CampaignRef = { namespace: 'tenant-b', campaign: 'aloha', campaignUid: randomUUID() };
const streamA = namespaceTaskStream(names, refA.namespace);
const streamB = namespaceTaskStream(names, refB.namespace);

/** A connection of a namespace's runner user that records every permissions violation the server reports. */
async function tenantConnection(stack: StackInfo, namespace: string, inbox = true): Promise<{ nc: NatsConnection; violations: string[] }> {
  const creds = await mintUserCreds(stack.nats.signer, `runners of ${namespace}`, runnerPermissions(names, namespace));
  const options = credsOptions(creds, namespace);
  const nc = await connect({ servers: stack.nats.url, ...(inbox ? options : { authenticator: options.authenticator }), timeout: 5000 });
  const violations: string[] = [];
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'error' && s.error instanceof errors.PermissionViolationError) violations.push(`${s.error.operation} ${s.error.subject}`);
    }
  })();
  return { nc, violations };
}

describe('the NATS identity of a namespace', () => {
  let admin: NatsConnection;
  let adminJs: JetStreamClient;
  let adminJsm: JetStreamManager;
  let a: { nc: NatsConnection; violations: string[] };
  let js: JetStreamClient;
  let jsm: JetStreamManager;

  before(async () => {
    const stack = await useStack();
    admin = await connect({ servers: stack.nats.url, ...credsOptions(stack.nats.creds) });
    adminJs = jetstream(admin);
    adminJsm = await jetstreamManager(admin);
    for (const ref of [refA, refB]) {
      await ensureStreams(adminJsm, names, ref.namespace);
      await ensureCampaignConsumer(adminJsm, names, ref);
      await publishPlanTask(adminJs, names, ref, policy);
    }
    a = await tenantConnection(stack, refA.namespace);
    js = jetstream(a.nc, { timeout: 3000 });
    jsm = await jetstreamManager(a.nc, { checkAPI: false, timeout: 3000 });
  });

  after(async () => {
    await a?.nc.close();
    for (const stream of [streamA, streamB, names.eventsStream]) await adminJsm?.streams.delete(stream).catch(() => undefined);
    await admin?.close();
  });

  /** Runs an action the server must refuse, and waits for its violation report on `subject`. */
  async function refused(operation: 'publish' | 'subscription', subject: string, action: () => Promise<unknown>): Promise<void> {
    const outcome = await action().then(() => 'done', (err: unknown) => String(err));
    await eventually(`a permissions violation for ${operation} to ${subject} (the action ended: ${outcome})`, () => a.violations.includes(`${operation} ${subject}`), 15_000);
  }

  it('pulls, works on and acknowledges its own campaign\'s task, publishes run tasks and events', async () => {
    await ensureCampaignConsumer(jsm, names, refA);
    const consumer = await js.consumers.get(streamA, consumerName(refA));
    const plan = await consumer.next({ expires: 5000 });
    assert.ok(plan, 'the plan task of namespace A');
    plan.working();
    const runs = [0, 1, 2].map((run) => ({ run, identity: { iterationVars: {}, repetition: 0 } }));
    assert.deepEqual(await publishRunTasks(js, names, refA, runs, policy), { published: 3, duplicates: 0 });
    assert.equal(await plan.ackAck(), true);
    const run = await consumer.next({ expires: 5000 });
    assert.ok(run && (await run.ackAck()), 'a run task acknowledged');
    assert.deepEqual(await campaignQueueDepth(jsm, names, refA), { pending: 2, ackPending: 0 });
    a.nc.publish(eventSubject(names, refA), JSON.stringify({ run: 0, status: 'succeeded' }));
    await a.nc.flush();
    await eventually('the event in the event stream', async () => (await adminJsm.streams.info(names.eventsStream)).state.messages === 1);
    // A second campaign of the same namespace: its consumer the runner may make itself.
    const other: CampaignRef = { ...refA, campaign: 'other', campaignUid: randomUUID() };
    assert.equal(await ensureCampaignConsumer(jsm, names, other), consumerName(other));
    assert.deepEqual(a.violations, []);
  });

  it('is refused namespace B\'s stream, consumers, tasks and events', async () => {
    await refused('publish', `$JS.API.CONSUMER.INFO.${streamB}.${consumerName(refB)}`, () => jsm.consumers.info(streamB, consumerName(refB)));
    await refused('publish', `$JS.API.CONSUMER.MSG.NEXT.${streamB}.${consumerName(refB)}`, () => a.nc.request(`$JS.API.CONSUMER.MSG.NEXT.${streamB}.${consumerName(refB)}`, '{"batch":1}', { timeout: 2000 }));
    await refused('publish', taskSubject(names, refB), () => js.publish(taskSubject(names, refB), '{}'));
    await refused('publish', eventSubject(names, refB), async () => {
      a.nc.publish(eventSubject(names, refB), '{}');
      await a.nc.flush();
    });
    await refused('subscription', taskSubject(names, refB), async () => {
      a.nc.subscribe(taskSubject(names, refB));
      await a.nc.flush();
    });
    // B's task is still there, unread and unacknowledged, for B.
    assert.deepEqual(await campaignQueueDepth(adminJsm, names, refB), { pending: 1, ackPending: 0 });
  });

  it('cannot acknowledge namespace B\'s delivery', async () => {
    const delivered = await (await adminJs.consumers.get(streamB, consumerName(refB))).next({ expires: 5000 });
    // The ack subject (`$JS.ACK.<stream>.<consumer>...`); JsMsg's type hides it, its implementation has it.
    const ackSubject = (delivered as unknown as { reply?: string } | null)?.reply ?? '';
    assert.ok(delivered && ackSubject.startsWith(`$JS.ACK.${streamB}.`), 'B\'s plan task, delivered to the admin');
    await refused('publish', ackSubject, async () => {
      a.nc.publish(ackSubject, '+ACK');
      await a.nc.flush();
    });
    assert.deepEqual(await campaignQueueDepth(adminJsm, names, refB), { pending: 0, ackPending: 1 });
    delivered.nak();
  });

  it('is refused purging and deleting streams and consumers, creating streams and reading the account', async () => {
    await refused('publish', `$JS.API.STREAM.PURGE.${streamA}`, () => jsm.streams.purge(streamA));
    await refused('publish', `$JS.API.STREAM.DELETE.${streamA}`, () => jsm.streams.delete(streamA));
    await refused('publish', `$JS.API.STREAM.DELETE.${streamB}`, () => jsm.streams.delete(streamB));
    await refused('publish', `$JS.API.STREAM.PURGE.${names.eventsStream}`, () => jsm.streams.purge(names.eventsStream));
    await refused('publish', `$JS.API.CONSUMER.DELETE.${streamA}.${consumerName(refA)}`, () => jsm.consumers.delete(streamA, consumerName(refA)));
    await refused('publish', `$JS.API.STREAM.CREATE.EVIL`, () => jsm.streams.add({ name: 'EVIL', subjects: [`${names.taskRoot}.${refB.namespace}-x.>`] }));
    await refused('publish', `$JS.API.STREAM.INFO.${names.eventsStream}`, () => jsm.streams.info(names.eventsStream));
    await refused('publish', '$JS.API.INFO', () => jsm.getAccountInfo());
    const streams = await adminJsm.streams.names().next();
    assert.ok(streams.includes(streamA) && streams.includes(streamB), 'both task streams are still there');
    assert.deepEqual(await campaignQueueDepth(adminJsm, names, refA), { pending: 2, ackPending: 0 });
  });

  it('hears replies only on its own inbox', async () => {
    const stack = await useStack();
    const plain = await tenantConnection(stack, refA.namespace, false);
    try {
      const outcome = await plain.nc.request(`$JS.API.STREAM.INFO.${streamA}`, '', { timeout: 2000 }).then(() => 'answered', (err: unknown) => String(err));
      await eventually(`a refused subscription to the default inbox (the request ended: ${outcome})`, () => plain.violations.some((v) => v.startsWith('subscription _INBOX.')), 15_000);
    } finally {
      await plain.nc.close();
    }
    await refused('subscription', `${inboxPrefix(refB.namespace)}.>`, async () => {
      a.nc.subscribe(`${inboxPrefix(refB.namespace)}.>`);
      await a.nc.flush();
    });
  });
});
