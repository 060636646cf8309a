// The JetStream side of the work queue: streams, the per-campaign consumer,
// publishing tasks, and removing a campaign's queue state. Thin I/O over the
// names in subjects.ts and the documents in task.ts.
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { TemporaryError } from '../errors.ts';
import { consumerName, namespaceTaskStream, planMsgId, runMsgId, taskRootOf, taskSubject, type CampaignRef, type QueueNames } from './subjects.ts';
import { encodeTask, type AttemptPolicy } from './task.ts';
import type { PlannedRun } from '../engine/run-identity.ts';

const NANOS_PER_MS = 1_000_000;

/**
 * Deduplication window of the task stream. Long, so that a plan re-run
 * (a redelivered plan task, an operator restart) within it republishes no run;
 * outside it a duplicate run task is still harmless, the store skips a stored run.
 */
export const TASK_DUPLICATE_WINDOW_MS = 60 * 60_000;
/** Events serve live progress only; a day is plenty and bounds the disk. */
export const EVENT_MAX_AGE_MS = 24 * 60 * 60_000;

/** Creates the shared event stream if missing (idempotent; concurrent callers are fine). */
export async function ensureEventStream(jsm: JetStreamManager, names: QueueNames): Promise<void> {
  await ensureStream(jsm, names.eventsStream, {
    subjects: [`${names.eventRoot}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: EVENT_MAX_AGE_MS * NANOS_PER_MS,
    max_msgs_per_subject: 100_000,
  });
}

/** Creates a namespace's task stream if missing (idempotent; concurrent callers are fine). */
export async function ensureTaskStream(jsm: JetStreamManager, names: QueueNames, namespace: string): Promise<void> {
  await ensureStream(jsm, namespaceTaskStream(names, namespace), {
    subjects: [`${taskRootOf(names, namespace)}.>`],
    // Work queue: a message is removed once acked or termed; one consumer per campaign (disjoint filters).
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: TASK_DUPLICATE_WINDOW_MS * NANOS_PER_MS,
  });
}

/** Both streams a namespace's campaigns use. */
export async function ensureStreams(jsm: JetStreamManager, names: QueueNames, namespace: string): Promise<void> {
  await ensureEventStream(jsm, names);
  await ensureTaskStream(jsm, names, namespace);
}

async function ensureStream(jsm: JetStreamManager, name: string, cfg: Partial<StreamConfig>): Promise<void> {
  try {
    await jsm.streams.info(name);
    return;
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
  }
  try {
    await jsm.streams.add({ name, ...cfg });
  } catch (err) {
    // Another process created it between our info and add.
    if (await jsm.streams.info(name).then(() => true, () => false)) return;
    throw err;
  }
}

export interface ConsumerOptions {
  /** Redelivery after this long without an ack or in-progress ack; the runner heartbeats well inside it. */
  ackWaitMs: number;
}

/** Default AckWait: a lost runner's task is redelivered within a minute. */
export const DEFAULT_ACK_WAIT_MS = 60_000;

/**
 * Creates the campaign's durable pull consumer if missing. MaxDeliver is
 * unlimited: the runner's attempt accounting in MongoDB decides when to give
 * up, because a delivery cut short by a lost pod or a NATS restart is not an
 * attempt the run failed. The backoff spaces redeliveries after ack timeouts
 * (a runner that died mid-run); naks carry their own delay.
 */
export async function ensureCampaignConsumer(jsm: JetStreamManager, names: QueueNames, ref: CampaignRef, opts: ConsumerOptions = { ackWaitMs: DEFAULT_ACK_WAIT_MS }): Promise<string> {
  const durable = consumerName(ref);
  const stream = namespaceTaskStream(names, ref.namespace);
  try {
    await jsm.consumers.info(stream, durable);
    return durable;
  } catch (err) {
    if (!isConsumerNotFound(err)) throw err;
  }
  const ackWait = opts.ackWaitMs * NANOS_PER_MS;
  try {
    await jsm.consumers.add(stream, {
      durable_name: durable,
      filter_subject: taskSubject(names, ref),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: ackWait,
      max_deliver: -1,
      // The first redelivery after a timeout waits AckWait; later ones a little longer.
      backoff: [ackWait, ackWait * 2, ackWait * 4],
      // One outstanding task per runner; this bounds the in-flight tasks of a campaign.
      max_ack_pending: 10_000,
    });
  } catch (err) {
    if (await jsm.consumers.info(stream, durable).then(() => true, () => false)) return durable;
    throw err;
  }
  return durable;
}

/** Publishes the campaign's plan task; a second publish within the duplicate window is dropped by the stream. */
export async function publishPlanTask(js: JetStreamClient, names: QueueNames, ref: CampaignRef, policy: AttemptPolicy): Promise<{ duplicate: boolean }> {
  const id: CampaignRef = { namespace: ref.namespace, campaign: ref.campaign, campaignUid: ref.campaignUid };
  const ack = await js.publish(taskSubject(names, ref), encodeTask({ version: 1, kind: 'plan', ...id, policy }), { msgID: planMsgId(ref.campaignUid) });
  return { duplicate: ack.duplicate };
}

/**
 * Publishes one run task per run number with its deduplication id, a bounded
 * number in flight at a time (fast for 100,000 runs, without flooding the client).
 */
export async function publishRunTasks(
  js: JetStreamClient,
  names: QueueNames,
  ref: CampaignRef,
  runs: readonly PlannedRun[],
  policy: AttemptPolicy,
  concurrency = 256,
): Promise<{ published: number; duplicates: number }> {
  const subject = taskSubject(names, ref);
  // Only the identity: `ref` may be a whole task whose fields must not leak into run tasks.
  const id: CampaignRef = { namespace: ref.namespace, campaign: ref.campaign, campaignUid: ref.campaignUid };
  let next = 0;
  let published = 0;
  let duplicates = 0;
  const worker = async () => {
    while (next < runs.length) {
      const { run, identity } = runs[next++]!;
      const ack = await js.publish(subject, encodeTask({ version: 1, kind: 'run', ...id, run, policy, identity }), { msgID: runMsgId(ref.campaignUid, run) });
      if (ack.duplicate) duplicates++;
      else published++;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, runs.length) }, worker));
  } catch (err) {
    // Republishing is safe (deduplication), so any failure here is worth a retry.
    throw new TemporaryError(`Publishing run tasks failed after ${published + duplicates} of ${runs.length}: ${(err as Error).message}`, { cause: err });
  }
  return { published, duplicates };
}

/** Pending and in-flight counts of a campaign's consumer; `undefined` when it does not exist. */
export async function campaignQueueDepth(jsm: JetStreamManager, names: QueueNames, ref: CampaignRef): Promise<{ pending: number; ackPending: number } | undefined> {
  try {
    const info = await jsm.consumers.info(namespaceTaskStream(names, ref.namespace), consumerName(ref));
    return { pending: info.num_pending, ackPending: info.num_ack_pending };
  } catch (err) {
    if (isConsumerNotFound(err)) return undefined;
    throw err;
  }
}

/** Removes a campaign's consumer and its remaining tasks (the operator's finalizer); idempotent. */
export async function deleteCampaignQueueState(jsm: JetStreamManager, names: QueueNames, ref: CampaignRef): Promise<void> {
  const stream = namespaceTaskStream(names, ref.namespace);
  try {
    await jsm.consumers.delete(stream, consumerName(ref));
  } catch (err) {
    if (!isConsumerNotFound(err) && !isStreamNotFound(err)) throw err;
  }
  try {
    await jsm.streams.purge(stream, { filter: taskSubject(names, ref) });
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
  }
}

function isConsumerNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === 10014;
}

function isStreamNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === 10059;
}
