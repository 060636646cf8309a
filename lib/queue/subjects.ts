// Names of the JetStream streams, subjects and consumers. Pure: no client
// imports, so the operator, the runner and the CLI agree on names without
// sharing a connection.

/** Stream and subject names; `prefix` lets tests and side-by-side installs use disjoint streams. */
export interface QueueNames {
  /**
   * Start of the work-queue streams' names: one stream per namespace
   * (`<prefix>_<namespace>`, namespaceTaskStream), so that a namespace's
   * NATS permissions can name its stream in the JetStream API's subjects.
   */
  tasksStreamPrefix: string;
  /** Limits-based stream holding run started/finished events (live progress only; MongoDB is authoritative). */
  eventsStream: string;
  /** Subject root of tasks: `<root>.<namespace>.<campaign>.<uid>`. */
  taskRoot: string;
  /** Subject root of events: `<root>.<namespace>.<campaign>.<uid>`. */
  eventRoot: string;
}

export const DEFAULT_QUEUE_PREFIX = 'INETSWARM';

/** Identity of a campaign on the queue: the uid keeps a re-created campaign of the same name apart. */
export interface CampaignRef {
  namespace: string;
  campaign: string;
  campaignUid: string;
}

/** Returns the stream and subject names for a prefix (default `INETSWARM`). */
export function queueNames(prefix: string = DEFAULT_QUEUE_PREFIX): QueueNames {
  if (!/^[A-Za-z0-9_-]+$/.test(prefix)) throw new Error(`Invalid queue prefix ${JSON.stringify(prefix)}: use letters, digits, _ or -`);
  const lower = prefix.toLowerCase();
  return {
    tasksStreamPrefix: `${prefix.toUpperCase()}_TASKS`,
    eventsStream: `${prefix.toUpperCase()}_EVENTS`,
    taskRoot: `${lower}.task`,
    eventRoot: `${lower}.event`,
  };
}

// A subject token must not contain separators or wildcards; Kubernetes names
// and uids never do, but a bad value must fail here rather than widen a filter.
function token(kind: string, value: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) throw new Error(`Invalid ${kind} ${JSON.stringify(value)} for a NATS subject`);
  return value;
}

/** The work-queue stream of one namespace's tasks. */
export function namespaceTaskStream(names: QueueNames, namespace: string): string {
  return `${names.tasksStreamPrefix}_${token('namespace', namespace)}`;
}

/** The subject root of one namespace's tasks: its stream holds `<root>.>`. */
export function taskRootOf(names: QueueNames, namespace: string): string {
  return `${names.taskRoot}.${token('namespace', namespace)}`;
}

/** The subject root of one namespace's events. */
export function eventRoot(names: QueueNames, namespace: string): string {
  return `${names.eventRoot}.${token('namespace', namespace)}`;
}

/** The subject that holds every task of one campaign. */
export function taskSubject(names: QueueNames, ref: CampaignRef): string {
  return `${taskRootOf(names, ref.namespace)}.${token('campaign', ref.campaign)}.${token('campaign uid', ref.campaignUid)}`;
}

/** The subject of one campaign's run events. */
export function eventSubject(names: QueueNames, ref: CampaignRef): string {
  return `${eventRoot(names, ref.namespace)}.${token('campaign', ref.campaign)}.${token('campaign uid', ref.campaignUid)}`;
}

/** The durable pull consumer of one campaign; named by uid so a re-created campaign never inherits old state. */
export function consumerName(ref: CampaignRef): string {
  return `campaign-${token('campaign uid', ref.campaignUid)}`;
}

/** Deduplication id of the plan task: publishing the plan twice queues it once. */
export function planMsgId(campaignUid: string): string {
  return `${campaignUid}-plan`;
}

/** Deduplication id of a run task: a re-run plan republishes runs without queueing them twice. */
export function runMsgId(campaignUid: string, run: number): string {
  return `${campaignUid}-run-${run}`;
}
