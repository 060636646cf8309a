// Carries out a chaos plan (chaos-plan.ts) against a campaign in a
// CampaignWorld: SIGKILLs nats-server, the MongoDB-wire server and the
// operator and brings each back after its downtime (same port and data),
// SIGKILLs runner processes or stops them (SIGSTOP) for longer than the
// queue's AckWait. Between faults it stands in for Kubernetes: a runner
// process that died is replaced (as the Job does; one that exited 0 has
// drained, as a completed pod) and an operator that exited by itself is
// started again (as its Deployment does).
//
// Each runner process is started from the runner Job's pod template with
// two additions that make every stored byte say which attempt wrote it: a
// model argument naming the runner (`--**.oppsim.chaosRunner=<pod>`, which
// oppsim records as a `config` line in each result file's header) and a pinned
// `.vec` mtime (OPPSIM_VEC_MTIME, so the `.vci` is a function of the run and
// the runner too).
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Job } from '@kubernetes/client-node';
import { runsOf } from '../../lib/store/store.ts';
import type { MongoServer } from '../stack/servers/mongo.ts';
import type { NatsServer } from '../stack/servers/nats.ts';
import type { CampaignWorld, Runner } from './campaign.ts';
import { FAULT_KINDS, type Fault, type FaultKind } from './chaos-plan.ts';

/** The `.vec` mtime every runner's simulations are pinned to (seconds since the epoch). */
export const VEC_MTIME = '1767225600';

/** The model argument that tags a run's result files with the runner that produced them. */
export function runnerTag(pod: string): string {
  return `--**.oppsim.chaosRunner=${pod}`;
}

/** A copy of the runner Job whose container runs the simulations with `pod`'s tag and the pinned mtime. */
export function taggedJob(job: V1Job, pod: string): V1Job {
  const copy = structuredClone(job);
  const container = copy.spec?.template.spec?.containers[0];
  const simulation = container?.env?.find((e) => e.name === 'INETSWARM_SIMULATION');
  if (!container?.env || !simulation?.value) throw new Error('the runner container has no INETSWARM_SIMULATION');
  const spec = JSON.parse(simulation.value) as { extraArgs?: string[] };
  simulation.value = JSON.stringify({ ...spec, extraArgs: [...(spec.extraArgs ?? []), runnerTag(pod)] });
  container.env.push({ name: 'OPPSIM_VEC_MTIME', value: VEC_MTIME });
  return copy;
}

export interface ChaosTargets {
  world: CampaignWorld;
  nats: NatsServer;
  mongo: MongoServer;
  /** The campaign's uid: which runners are busy is read from its run records. */
  campaignUid: string;
  /** The runner Job, whose pod template every runner process is started from. */
  job: V1Job;
  /** Runner processes kept alive while the campaign runs. */
  runners: number;
  /** The operator's environment on every (re)start. */
  operatorEnv: Record<string, string>;
  log: (line: string) => void;
}

interface Tracked {
  runner: Runner;
  frozen: boolean;
}

export class ChaosDriver {
  /** Faults carried out, by kind. */
  readonly done: Record<FaultKind, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  /** Processes that died without a fault: runners that exited non-zero, operators that exited. */
  readonly unprovoked: string[] = [];
  readonly runners: Tracked[] = [];
  /** Per kill of the store: the succeeded runs it held just before, and just after it came back. */
  readonly storeKills: Array<{ before: number; after: number }> = [];
  private started = 0;
  private count = 0;
  private operatorKilled = false;
  private thawTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly t: ChaosTargets) {}

  private elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)} s`;
  }

  private live(): Tracked[] {
    return this.runners.filter((r) => r.runner.child.exitCode === null && r.runner.child.signalCode === null);
  }

  private async startRunner(): Promise<void> {
    const pod = `chaos-r${this.count++}`;
    this.runners.push({ runner: await this.t.world.startRunner(taggedJob(this.t.job, pod), pod), frozen: false });
  }

  /** Replaces dead runners (not drained ones) and an operator that exited by itself. */
  private async tend(): Promise<void> {
    const drained = this.runners.some((r) => r.runner.child.exitCode === 0);
    for (const r of this.runners) {
      const { exitCode } = r.runner.child;
      if (exitCode !== null && exitCode !== 0 && !this.unprovoked.includes(r.runner.pod)) this.unprovoked.push(r.runner.pod);
    }
    if (!drained) while (this.live().length < this.t.runners) await this.startRunner();
    const op = this.t.world.operator;
    if (op && !this.operatorKilled && (op.child.exitCode !== null || op.child.signalCode !== null)) {
      this.unprovoked.push(`operator (exit ${op.child.exitCode ?? op.child.signalCode})`);
      await this.t.world.startOperator(this.t.operatorEnv);
    }
  }

  /** The pods of the runners that hold a run now, as the run records say; empty when the store cannot say. */
  private async busyPods(): Promise<Set<string>> {
    const running = await runsOf(this.t.world.db)
      .find({ campaignUid: this.t.campaignUid, status: 'running' }, { projection: { runnerPod: 1 } })
      .toArray()
      .catch(() => []);
    return new Set(running.map((r) => r.runnerPod ?? ''));
  }

  /**
   * Starts the runners and, once the first run has begun (the plan is done),
   * carries out the faults at their offsets while `finished` says the
   * campaign is not; keeps tending until it is or until `timeoutMs`.
   */
  async run(plan: Fault[], finished: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    this.started = Date.now();
    await this.tend();
    while ((await this.busyPods()).size === 0 && Date.now() - this.started < timeoutMs) {
      await this.tend();
      await sleep(250);
    }
    this.t.log(`${this.elapsed()}: the first run began; faults start`);
    this.started = Date.now();
    let at = 0;
    const wait = async (until: number): Promise<boolean> => {
      while (Date.now() - this.started < until) {
        if (await finished()) return true;
        await this.tend();
        await sleep(250);
      }
      return finished();
    };
    for (const fault of plan) {
      at += fault.afterMs;
      if (await wait(at)) break;
      await this.inject(fault);
    }
    await wait(timeoutMs);
    this.thaw();
  }

  /** Resumes every stopped runner. */
  thaw(): void {
    for (const timer of this.thawTimers) clearTimeout(timer);
    this.thawTimers.clear();
    for (const r of this.runners.filter((x) => x.frozen)) {
      r.runner.child.kill('SIGCONT');
      r.frozen = false;
    }
  }

  private async inject(fault: Fault): Promise<void> {
    const { kind, downMs } = fault;
    if (kind === 'nats') {
      this.t.log(`${this.elapsed()}: SIGKILL nats-server, down ${downMs} ms`);
      await this.t.nats.kill();
      await sleep(downMs);
      await this.t.nats.restart();
    } else if (kind === 'store') {
      // What the store acknowledged before its crash is still there after it: it restarts on its own data folder.
      const succeeded = () => runsOf(this.t.world.db).countDocuments({ campaignUid: this.t.campaignUid, status: 'succeeded' });
      const before = await succeeded();
      this.t.log(`${this.elapsed()}: SIGKILL the store (FerretDB, ${before} runs succeeded), down ${downMs} ms`);
      await this.t.mongo.kill();
      await sleep(downMs);
      await this.t.mongo.restart();
      this.storeKills.push({ before, after: await succeeded() });
    } else if (kind === 'operator') {
      this.t.log(`${this.elapsed()}: SIGKILL the operator, down ${downMs} ms`);
      this.operatorKilled = true;
      await this.t.world.operator?.kill('SIGKILL');
      await sleep(downMs);
      await this.t.world.startOperator(this.t.operatorEnv);
      this.operatorKilled = false;
    } else {
      // A runner busy with a run, where a fault costs an attempt; any live one when none is.
      const busy = await this.busyPods();
      const idle = this.live().filter((r) => !r.frozen);
      const candidates = idle.some((r) => busy.has(r.runner.pod)) ? idle.filter((r) => busy.has(r.runner.pod)) : idle;
      const target = candidates[Math.floor(fault.pick * candidates.length)];
      if (!target) return;
      if (kind === 'runner-kill') {
        this.t.log(`${this.elapsed()}: SIGKILL runner ${target.runner.pod}`);
        target.runner.child.kill('SIGKILL');
      } else {
        this.t.log(`${this.elapsed()}: SIGSTOP runner ${target.runner.pod} for ${downMs} ms`);
        target.runner.child.kill('SIGSTOP');
        target.frozen = true;
        const timer = setTimeout(() => {
          this.thawTimers.delete(timer);
          target.runner.child.kill('SIGCONT');
          target.frozen = false;
        }, downMs);
        this.thawTimers.add(timer);
      }
    }
    this.done[kind]++;
  }
}
