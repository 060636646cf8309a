// Whether a namespace still holds what its runner pods need: the runner
// Secret with its keys and the runner ServiceAccount. Looked at by name (the
// operator's RBAC grants get on its own Secret and ServiceAccount names only,
// no list or watch of Secrets), at most once per status interval and
// namespace, so that many campaigns of one namespace share one look. When
// something is missing the reconcile applies both again (act.ts), so that a
// deleted Secret comes back on the next reconcile, not at the next start.
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { classify, isNotFound } from '../../../lib/kube/errors.ts';
import { SECRET_KEYS } from './manifests.ts';
import type { CampaignSettings } from './settings.ts';

/** Per namespace: when it was last looked at (ms) and whether all was there. */
export type NamespaceChecks = Map<string, { at: number; ready: boolean }>;

export interface NamespaceCheckDeps {
  core: CoreV1Api;
  settings: CampaignSettings;
  now: () => Date;
}

/** The keys a runner Secret must hold: the store's URI, and the NATS user when the operator mints them. */
export function secretComplete(secret: V1Secret, settings: CampaignSettings): boolean {
  const keys = [SECRET_KEYS.mongoUri, ...(settings.nats?.signer ? [SECRET_KEYS.natsCreds] : [])];
  return keys.every((key) => Boolean(secret.data?.[key]));
}

async function exists<T>(read: () => Promise<T>, what: string): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw classify(error, what);
  }
}

/** Whether the namespace's runner Secret (complete) and ServiceAccount exist, from a recent look or a new one. */
export async function namespaceReady(deps: NamespaceCheckDeps, checks: NamespaceChecks, namespace: string): Promise<boolean> {
  const now = deps.now().getTime();
  const last = checks.get(namespace);
  if (last && now - last.at < deps.settings.statusIntervalMs) return last.ready;
  const { runnerSecretName, runnerServiceAccount } = deps.settings;
  const [secret, account] = await Promise.all([
    exists(() => deps.core.readNamespacedSecret({ name: runnerSecretName, namespace }), `reading the runner Secret of ${namespace}`),
    exists(() => deps.core.readNamespacedServiceAccount({ name: runnerServiceAccount, namespace }), `reading the runner ServiceAccount of ${namespace}`),
  ]);
  const ready = secret !== undefined && secretComplete(secret, deps.settings) && account !== undefined;
  checks.set(namespace, { at: now, ready });
  return ready;
}

/** Notes that the namespace was just prepared: the next look may wait an interval. */
export function markPrepared(checks: NamespaceChecks, namespace: string, now: Date): void {
  checks.set(namespace, { at: now.getTime(), ready: true });
}
