// What the runner's work loop is given (WorkerDeps, by main.ts) and what its
// task handlers share (RunnerContext: the deps with the campaign's queue names).
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import type { Launcher } from '../../lib/engine/launcher.ts';
import type { RunnerConfig } from '../../lib/engine/runner-config.ts';
import type { CampaignRef, QueueNames } from '../../lib/queue/subjects.ts';

export interface WorkerDeps {
  config: RunnerConfig;
  log: Logger;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  db: Db;
  /** The extracted artifact: the build root the simulation spec's paths are relative to. */
  root: string;
  /** Aborted on SIGTERM: stop pulling; the current run may finish within shutdownGraceMs. */
  stop: AbortSignal;
  /** The environment of the simulations (simulationEnv of the runner's). */
  simulationEnv: NodeJS.ProcessEnv;
  /** Starts the simulations when set (with simulationEnv); else the runner spawns them itself. */
  launcher?: Launcher | undefined;
}

/** The deps with the campaign's queue names and reference, as every task handler needs them. */
export interface RunnerContext extends WorkerDeps {
  names: QueueNames;
  ref: CampaignRef;
  /** Until when (epoch ms) the loop takes no task: the store was found full, and every run would only come back. */
  pause: { until: number };
}

/** Delay before a task is offered again after the store or the queue failed around it. */
export const INFRA_RETRY_MS = 2000;
