// Leader election through a coordination.k8s.io/v1 Lease, so that two
// operator replicas never reconcile at once. Updates use the Lease's
// resourceVersion (optimistic concurrency): of two candidates writing the
// same version, the API server accepts one and rejects the other with 409.
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { decideLease, type ObservedLease } from './lease.decide.ts';
import { apiMessage, isConflict, isNotFound } from '../../lib/kube/errors.ts';

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
  /** Unique per process, e.g. the pod name plus a random suffix. */
  identity: string;
  leaseDurationSeconds: number;
  /** How often the leader renews and a follower retries. */
  retryPeriodMs: number;
  /** The leader gives up leading when it could not renew for this long (must be below the lease duration). */
  renewDeadlineMs: number;
  log: Logger;
}

/**
 * One candidate. `run` resolves when leadership starts; `lost` resolves when
 * it ends without `release` (renewals failed past the deadline), upon which
 * the process must stop reconciling. `release` clears the holder so a
 * follower takes over at once rather than after the lease expires.
 */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private leading = false;
  private stopped = false;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  /** The renewal in flight, if any: release waits for it, or its write would conflict with the hand-back. */
  private renewing: Promise<void> = Promise.resolve();
  private resolveLost: (() => void) | undefined;
  /** Resolves when leadership was lost (not released). */
  readonly lost: Promise<void>;

  constructor(private readonly options: LeaderElectionOptions) {
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.lost = new Promise((resolve) => {
      this.resolveLost = resolve;
    });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Tries until this candidate leads (true) or `release` was called first (false). */
  async acquire(): Promise<boolean> {
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.lastRenew = Date.now();
        this.options.log.info({ lease: this.options.name, identity: this.options.identity }, 'Acquired leadership');
        this.scheduleRenew();
        return true;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.options.retryPeriodMs);
      });
    }
    return false;
  }

  /** Stops renewing and, when leading, hands the lease back. */
  async release(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.renewing;
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.read();
      if (lease?.spec?.holderIdentity === this.options.identity) {
        lease.spec.holderIdentity = undefined;
        lease.spec.leaseDurationSeconds = 1;
        lease.spec.renewTime = new V1MicroTime(Date.now());
        await this.api.replaceNamespacedLease({ name: this.options.name, namespace: this.options.namespace, body: lease });
      }
      this.options.log.info({ lease: this.options.name, identity: this.options.identity }, 'Released leadership');
    } catch (error) {
      this.options.log.warn({ lease: this.options.name, err: apiMessage(error) }, 'Failed to release leadership');
    }
  }

  private scheduleRenew(): void {
    this.timer = setTimeout(() => {
      this.renewing = this.renew();
    }, this.options.retryPeriodMs);
  }

  private async renew(): Promise<void> {
    if (this.stopped || !this.leading) return;
    const ok = await this.tryAcquireOrRenew();
    if (this.stopped || !this.leading) return;
    if (ok) {
      this.lastRenew = Date.now();
    } else if (Date.now() - this.lastRenew > this.options.renewDeadlineMs) {
      this.leading = false;
      this.stopped = true;
      this.options.log.error({ lease: this.options.name, identity: this.options.identity }, 'Lost leadership');
      this.resolveLost?.();
      return;
    }
    this.scheduleRenew();
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ name: this.options.name, namespace: this.options.namespace });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** One round: true when this candidate holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.options;
    try {
      const lease = await this.read();
      const now = Date.now();
      const action = decideLease(observe(lease), identity, now, leaseDurationSeconds);
      const renewTime = new V1MicroTime(now);
      switch (action.kind) {
        case 'create':
          await this.api.createNamespacedLease({
            namespace,
            body: {
              metadata: { name, namespace },
              spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: renewTime, renewTime, leaseTransitions: 0 },
            },
          });
          return true;
        case 'renew':
        case 'acquire': {
          const body = lease as V1Lease;
          body.spec = {
            ...body.spec,
            holderIdentity: identity,
            leaseDurationSeconds,
            renewTime,
            ...(action.kind === 'acquire' ? { acquireTime: renewTime, leaseTransitions: action.transitions } : {}),
          };
          await this.api.replaceNamespacedLease({ name, namespace, body });
          return true;
        }
        case 'wait':
          return false;
      }
    } catch (error) {
      if (!isConflict(error)) {
        this.options.log.warn({ lease: name, err: apiMessage(error) }, 'Failed to update the leader lease');
      }
      return false;
    }
  }
}

function observe(lease: V1Lease | undefined): ObservedLease | undefined {
  if (!lease) return undefined;
  return {
    holder: lease.spec?.holderIdentity || undefined,
    renewTime: lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : undefined,
    leaseDurationSeconds: lease.spec?.leaseDurationSeconds,
    transitions: lease.spec?.leaseTransitions ?? 0,
  };
}
