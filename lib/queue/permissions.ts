// The NATS permissions of one namespace's runners: exactly the subjects the
// runner's code sends to and listens on (pods/runner, lib/queue/jetstream.ts),
// each with the namespace in a whole token, because NATS matches permissions
// by token. Pure, so the operator and the tests agree on the list.
import { eventRoot, namespaceTaskStream, taskRootOf, type QueueNames } from './subjects.ts';

/** Publish and subscribe allow lists of a NATS user; everything else is refused. */
export interface NatsPermissions {
  pub: string[];
  sub: string[];
}

/** The inbox prefix of a namespace's connections: replies to its requests land only under it. */
export function inboxPrefix(namespace: string): string {
  return `_INBOX_${namespace}`;
}

/**
 * What a namespace's runner may do: read its task stream's and consumers'
 * info, create a consumer on its own stream (a runner started before the
 * operator made one), pull, acknowledge, publish tasks and events of its
 * namespace, and hear replies on its own inbox. Refused: every other stream,
 * stream create/update/delete/purge, consumer delete, the account info, and
 * every other namespace's subjects.
 */
export function runnerPermissions(names: QueueNames, namespace: string): NatsPermissions {
  const stream = namespaceTaskStream(names, namespace);
  return {
    pub: [
      `$JS.API.STREAM.INFO.${stream}`,
      `$JS.API.CONSUMER.INFO.${stream}.*`,
      `$JS.API.CONSUMER.CREATE.${stream}.>`,
      `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.*`,
      `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
      // Acks, naks, in-progress and term of this stream's deliveries.
      `$JS.ACK.${stream}.>`,
      `${taskRootOf(names, namespace)}.>`,
      `${eventRoot(names, namespace)}.>`,
    ],
    sub: [`${inboxPrefix(namespace)}.>`],
  };
}
