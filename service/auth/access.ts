// Who may read what: a caller reads a namespace's campaigns (runs, files,
// scalars) when the cluster's authorizer says they may get its
// SimulationCampaigns, and its builds when they may get its InetBuilds — asked
// with a SubjectAccessReview, so RBAC (or any authorizer the cluster uses)
// stays the one place access is granted. Answers are remembered briefly: a
// dashboard asks the same question for every request and every SSE update.
import type { AuthorizationV1Api } from '@kubernetes/client-node';
import { GROUP, INET_BUILD, SIMULATION_CAMPAIGN } from '../../api/v1alpha1.ts';
import type { Caller } from './identity.ts';

export type GuardedKind = 'campaigns' | 'builds';

const PLURAL: Record<GuardedKind, string> = { campaigns: SIMULATION_CAMPAIGN.plural, builds: INET_BUILD.plural };

export interface AccessOptions {
  /** How long an answer is reused; default 10 s. */
  ttlMs?: number;
  now?: () => number;
}

export class AccessReviewer {
  private readonly answers = new Map<string, { allowed: boolean; at: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly authz: AuthorizationV1Api,
    options: AccessOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** May the caller get `kind` in `namespace` (undefined: in every namespace)? */
  async mayRead(caller: Caller, kind: GuardedKind, namespace: string | undefined): Promise<boolean> {
    const key = JSON.stringify([caller.user, caller.uid, caller.groups, caller.extra, kind, namespace ?? '']);
    const known = this.answers.get(key);
    if (known && this.now() - known.at < this.ttlMs) return known.allowed;
    const review = await this.authz.createSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: caller.user,
          ...(caller.uid ? { uid: caller.uid } : {}),
          groups: caller.groups,
          extra: caller.extra,
          resourceAttributes: { group: GROUP, resource: PLURAL[kind], verb: 'get', ...(namespace ? { namespace } : {}) },
        },
      },
    });
    const allowed = review.status?.allowed === true;
    if (this.answers.size > 10_000) this.answers.clear();
    this.answers.set(key, { allowed, at: this.now() });
    return allowed;
  }

  /** The namespaces of `candidates` the caller may read `kind` in (all of them when allowed cluster-wide). */
  async readable(caller: Caller, kind: GuardedKind, candidates: Iterable<string>): Promise<Set<string>> {
    const all = new Set(candidates);
    if (await this.mayRead(caller, kind, undefined)) return all;
    const allowed = new Set<string>();
    await Promise.all([...all].map(async (ns) => (await this.mayRead(caller, kind, ns)) && allowed.add(ns)));
    return allowed;
  }
}
