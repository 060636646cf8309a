// What the InetBuild controller does with a decision: server-side apply of
// the children, the status when changed (remembered, since the cache may lag
// behind the write), then the Events.
import { CoreV1Api, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { INET_BUILD } from '../../../api/v1alpha1.ts';
import { FIELD_MANAGER } from '../../../api/labels.ts';
import { classify } from '../../../lib/kube/errors.ts';
import { emitEvent, writeStatusOrReport } from '../../../lib/kube/resources.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import type { NamespaceGuard } from '../shared/tenancy.ts';
import type { BuildDecision } from './decide.ts';
import type { BuildControllerState, ObservedBuild } from './observe.ts';

/** The API clients act uses, made once per registration. */
export interface BuildClients {
  objects: KubernetesObjectApi;
  custom: CustomObjectsApi;
  core: CoreV1Api;
}

export function buildClients(kubeConfig: KubeConfig): BuildClients {
  return {
    objects: kubeConfig.makeApiClient(KubernetesObjectApi),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    core: kubeConfig.makeApiClient(CoreV1Api),
  };
}

export interface ActDeps {
  clients: BuildClients;
  log: Logger;
  /** Reporting instance for Events (the pod name). */
  identity: string;
  /** The namespace's NetworkPolicies and tenant label, before any of its pods. */
  namespaces: NamespaceGuard;
}

/** Carries out `decision` for the observed build; returns when to look again. */
export async function actOnBuild(observed: ObservedBuild, decision: BuildDecision, deps: ActDeps, state: BuildControllerState): Promise<ReconcileResult> {
  const { key, build, ownedJob } = observed;
  const { objects, custom, core } = deps.clients;
  if (decision.apply.length > 0) await deps.namespaces.prepare(build.metadata.namespace ?? '');
  for (const manifest of decision.apply) {
    // A Job's pod template is immutable: once created it is only observed, never re-applied.
    if (manifest.kind === 'Job' && ownedJob) continue;
    try {
      await objects.patch(manifest as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (error) {
      throw classify(error, `applying ${manifest.kind} ${manifest.metadata.namespace}/${manifest.metadata.name}`);
    }
  }
  if (decision.status) {
    await writeStatusOrReport({ custom, core }, INET_BUILD, build, decision.status, deps);
    state.written.set(build.metadata.uid ?? '', { key, status: decision.status });
    deps.log.info({ build: key, phase: decision.status.phase, reason: decision.status.conditions?.[0]?.reason }, 'Updated build status');
  }
  for (const event of decision.events) await emitEvent(core, INET_BUILD, build, event, deps);
  return decision.requeueAfterMs !== undefined ? { requeueAfterMs: decision.requeueAfterMs } : {};
}
