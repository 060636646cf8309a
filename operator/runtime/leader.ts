// Leader election through a coordination.k8s.io/v1 Lease, so that two
// operator replicas never reconcile at once. Updates use the Lease's
// resourceVersion (optimistic concurrency): of two candidates writing the
// same version, the API server accepts one and rejects the other with 409.
//
// Why two leaders cannot overlap, on the monotonic clock alone: a leader
// leads until renewDeadline after the START of its last successful write
// (the write may have landed at any moment after it started). A follower
// takes over only once the record that write left has stayed unchanged for
// leaseDuration since the follower first saw it (lease.decide.ts), which is
// after the write started. So with renewDeadline < leaseDuration the leader
// has stepped down before anyone else may lead. Every API call is aborted at
// the leader's deadline at the latest, and a timer ends leadership at the
// deadline even while a call still hangs.
import { CoordinationV1Api, V1MicroTime, type ConfigurationOptions, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { decideLease, type LeaseSighting, type ObservedLease } from './lease.decide.ts';
import { within } from '../../lib/kube/call-timeout.ts';
import { apiMessage, isConflict, isNotFound } from '../../lib/kube/errors.ts';

/** The two clocks of an election: the monotonic one measures every duration, the wall one only fills in renewTime. */
export interface ElectionClock {
  monotonic(): number;
  wall(): number;
}

const SYSTEM_CLOCK: ElectionClock = { monotonic: () => performance.now(), wall: () => Date.now() };

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
  clock?: ElectionClock;
}

/**
 * One candidate. `acquire` resolves when leadership starts; `lost` resolves
 * when it ends without `release` (no renewal succeeded within the deadline),
 * upon which the process must stop reconciling. `release` clears the holder
 * so a follower takes over at once rather than after the lease expires.
 */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly clock: ElectionClock;
  private leading = false;
  private stopped = false;
  /** Monotonic time at which this candidate stops leading unless a renewal succeeds first. */
  private leadsUntil = 0;
  private sighting: LeaseSighting | undefined;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  /** The renewal in flight, if any: release waits for it, or its write would conflict with the hand-back. */
  private renewing: Promise<void> = Promise.resolve();
  private resolveLost: (() => void) | undefined;
  /** Resolves when leadership was lost (not released). */
  readonly lost: Promise<void>;

  constructor(private readonly options: LeaderElectionOptions) {
    const { retryPeriodMs, renewDeadlineMs, leaseDurationSeconds } = options;
    if (!(retryPeriodMs < renewDeadlineMs && renewDeadlineMs < leaseDurationSeconds * 1000)) {
      throw new Error(`Leader election needs retry period < renew deadline < lease duration (got ${retryPeriodMs} ms, ${renewDeadlineMs} ms, ${leaseDurationSeconds} s)`);
    }
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.lost = new Promise((resolve) => {
      this.resolveLost = resolve;
    });
  }

  /** True while leading and before the deadline of the last successful renewal. */
  get isLeader(): boolean {
    return this.leading && this.clock.monotonic() < this.leadsUntil;
  }

  /** Tries until this candidate leads (true) or `release` was called first (false). */
  async acquire(): Promise<boolean> {
    while (!this.stopped) {
      const started = this.clock.monotonic();
      if (await this.round(this.roundTimeoutMs())) {
        this.leading = true;
        this.extendFrom(started);
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
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
    this.wake?.();
    await this.renewing;
    if (!this.isLeader) return;
    this.leading = false;
    const signal = within(this.leadsUntil - this.clock.monotonic());
    try {
      const lease = await this.read(signal);
      if (lease?.spec?.holderIdentity === this.options.identity) {
        lease.spec.holderIdentity = undefined;
        lease.spec.leaseDurationSeconds = 1;
        lease.spec.renewTime = new V1MicroTime(this.clock.wall());
        await this.api.replaceNamespacedLease({ name: this.options.name, namespace: this.options.namespace, body: lease }, signal);
      }
      this.options.log.info({ lease: this.options.name, identity: this.options.identity }, 'Released leadership');
    } catch (error) {
      this.options.log.warn({ lease: this.options.name, err: apiMessage(error) }, 'Failed to release leadership');
    }
  }

  /** At most half the renew deadline, so that a hung call leaves time for another try. */
  private roundTimeoutMs(): number {
    return this.options.renewDeadlineMs / 2;
  }

  /** A successful write that started at `started` (monotonic) lets this candidate lead until the renew deadline after it. */
  private extendFrom(started: number): void {
    this.leadsUntil = started + this.options.renewDeadlineMs;
    clearTimeout(this.deadline);
    this.deadline = setTimeout(() => this.lose(), Math.max(0, this.leadsUntil - this.clock.monotonic()));
  }

  private lose(): void {
    if (!this.leading || this.stopped) return;
    this.leading = false;
    this.stopped = true;
    clearTimeout(this.timer);
    this.options.log.error({ lease: this.options.name, identity: this.options.identity }, 'Lost leadership');
    this.resolveLost?.();
  }

  private scheduleRenew(): void {
    this.timer = setTimeout(() => {
      this.renewing = this.renew();
    }, this.options.retryPeriodMs);
  }

  private async renew(): Promise<void> {
    if (this.stopped || !this.leading) return;
    const started = this.clock.monotonic();
    const left = this.leadsUntil - started;
    // A failed renewal changes nothing here: the deadline timer ends leadership if none succeeds in time.
    if (left > 0 && (await this.round(Math.min(left, this.roundTimeoutMs())))) {
      if (this.stopped || !this.leading) return;
      this.extendFrom(started);
    }
    if (this.stopped || !this.leading) return;
    this.scheduleRenew();
  }

  private async read(signal: ConfigurationOptions): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ name: this.options.name, namespace: this.options.namespace }, signal);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** One read and write, aborted after `timeoutMs`: true when this candidate holds the lease afterwards. */
  private async round(timeoutMs: number): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.options;
    const signal = within(timeoutMs);
    try {
      const lease = await this.read(signal);
      const { action, sighting } = decideLease(observe(lease), this.sighting, identity, this.clock.monotonic(), leaseDurationSeconds);
      this.sighting = sighting;
      const renewTime = new V1MicroTime(this.clock.wall());
      switch (action.kind) {
        case 'create':
          await this.api.createNamespacedLease(
            { namespace, body: { metadata: { name, namespace }, spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: renewTime, renewTime, leaseTransitions: 0 } } },
            signal,
          );
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
          await this.api.replaceNamespacedLease({ name, namespace, body }, signal);
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
  const renewTime = lease.spec?.renewTime;
  return {
    holder: lease.spec?.holderIdentity || undefined,
    renewTime: renewTime === undefined ? undefined : String(renewTime instanceof Date ? renewTime.toISOString() : renewTime),
    leaseDurationSeconds: lease.spec?.leaseDurationSeconds,
    transitions: lease.spec?.leaseTransitions ?? 0,
  };
}
