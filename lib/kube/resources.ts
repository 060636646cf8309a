// The two writes every controller makes on its own custom resource: its
// status (server-side apply on the status subresource, so the operator owns
// exactly the status fields it sets) and Events for what a user acts on.
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type CustomObjectsApi } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION, GROUP, VERSION } from '../../api/v1alpha1.ts';
import { FIELD_MANAGER } from '../../api/labels.ts';
import { keyOf } from './keys.ts';
import type { UserEvent } from './manifests.ts';
import { apiMessage, classify, statusCode } from './errors.ts';
import { setCondition } from './conditions.ts';
import { clipText } from './clip.ts';
import { TemporaryError } from '../errors.ts';
import type { Condition } from '../../api/v1alpha1.ts';

/** One of this project's custom resources, as far as status and Events need it. */
export interface CustomResource {
  metadata: { name?: string; namespace?: string; uid?: string };
}

/** Which kind a write is for. */
export interface ResourceKind {
  kind: string;
  plural: string;
}

/** Applies `status` to the object's status subresource; returns the object as stored. */
export async function applyStatus<T extends CustomResource, S>(custom: CustomObjectsApi, kind: ResourceKind, obj: T, status: S): Promise<T> {
  const { name = '', namespace = '' } = obj.metadata;
  try {
    return (await custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        namespace,
        plural: kind.plural,
        name,
        body: { apiVersion: API_VERSION, kind: kind.kind, metadata: { name, namespace }, status },
        fieldManager: FIELD_MANAGER,
        force: true,
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    )) as T;
  } catch (error) {
    throw classify(error, `writing the status of ${keyOf(obj)}`);
  }
}

/**
 * Records an Event on the object. An Event is a courtesy to the user: a lost
 * one is logged and must never block the reconcile.
 */
export async function emitEvent(
  core: CoreV1Api,
  kind: ResourceKind,
  obj: CustomResource,
  event: UserEvent,
  reporter: { identity: string; log: Logger },
): Promise<void> {
  const { name = '', namespace = '', uid = '' } = obj.metadata;
  const time = new Date();
  try {
    await core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { generateName: `${name || kind.plural}.`, namespace },
        involvedObject: { apiVersion: API_VERSION, kind: kind.kind, name, namespace, uid },
        type: event.type,
        reason: event.reason,
        message: event.message.slice(0, 1024),
        source: { component: FIELD_MANAGER },
        reportingComponent: FIELD_MANAGER,
        reportingInstance: reporter.identity,
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      },
    });
  } catch (error) {
    reporter.log.warn({ object: keyOf(obj), kind: kind.kind, reason: event.reason, err: classify(error, 'creating an event').message }, 'Failed to emit event');
  }
}

/** The condition that reports a status the API server refused; absent while writes succeed. */
export const STATUS_WRITTEN_CONDITION = 'StatusWritten';

/**
 * Writes `status`. When the API server refuses it as invalid (422: every
 * status is clipped to the CRD's limits first, so this is a bug in what the
 * operator computed), the refusal must show on the object, not only in the
 * operator's log: the status as stored gets a StatusWritten=False condition
 * with the server's reason, a Warning Event says the same, and the write fails
 * temporarily so that the reconcile is retried with backoff. The next write
 * that succeeds drops the condition (server-side apply removes what the
 * operator no longer sets).
 */
export async function writeStatusOrReport<T extends CustomResource & { status?: { conditions?: Condition[] } }, S>(
  clients: { custom: CustomObjectsApi; core: CoreV1Api },
  kind: ResourceKind,
  obj: T,
  status: S,
  reporter: { identity: string; log: Logger },
): Promise<T> {
  try {
    return await applyStatus(clients.custom, kind, obj, status);
  } catch (error) {
    const cause = (error as Error).cause;
    if (statusCode(cause) !== 422) throw error;
    const message = clipText(`The operator's status update was refused by the API server: ${apiMessage(cause)}`, 4096, 'start');
    reporter.log.error({ object: keyOf(obj), kind: kind.kind, err: message }, 'Status write refused');
    const condition = { type: STATUS_WRITTEN_CONDITION, status: 'False' as const, reason: 'StatusRejected', message };
    await applyStatus(clients.custom, kind, obj, { ...obj.status, conditions: setCondition(obj.status?.conditions, condition, new Date()) });
    await emitEvent(clients.core, kind, obj, { type: 'Warning', reason: 'StatusRejected', message }, reporter);
    throw new TemporaryError(message, { cause });
  }
}
