// The two writes every controller makes on its own custom resource: its
// status (server-side apply on the status subresource, so the operator owns
// exactly the status fields it sets) and Events for what a user acts on.
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type CustomObjectsApi } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION, GROUP, VERSION } from '../../api/v1alpha1.ts';
import { FIELD_MANAGER } from '../../api/labels.ts';
import { keyOf } from './keys.ts';
import type { UserEvent } from './manifests.ts';
import { classify } from './errors.ts';


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
