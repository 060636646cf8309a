// The MongoDB result store's schema: the collections, the documents they
// hold, the accessors that type them, and the indexes behind every query.
// Each run's outcome is stored exactly once: the first attempt to claim it
// (a success or a terminal failure) wins and a late duplicate (a redelivered
// task whose ack was lost, a runner thought dead) changes nothing. Every write
// of an attempt carries its fencing token, so that what a run shows comes from
// one attempt. The writes that keep that promise live by concern: attempts.ts
// (an attempt's start, retry and failure), outcome.ts (the claim and the
// flip), success.ts (a success's write order), result-files.ts and scalars.ts
// (what a success stores: files; scalars, statistics and run headers of its
// .sca files), campaigns.ts (the plan).
import { GridFSBucket, type Collection, type Db, type ObjectId } from 'mongodb';
import type { RunReason, RunStatus } from '../engine/decide.ts';
import type { Pairs, RunHeader, StatisticRecord } from './csv-r.ts';

export const RUNS = 'runs';
export const CAMPAIGNS = 'campaigns';
export const SCALARS = 'scalars';
export const RUN_WINNERS = 'runWinners';
export const SCA_RUNS = 'scaRuns';
export const STATISTICS = 'statistics';
export const RESULTS_BUCKET = 'results';

/** How many attempts a run document remembers; the count itself is never bounded. */
export const ATTEMPT_HISTORY_LIMIT = 10;

export interface ResultFileRef {
  name: string;
  gridfsId: ObjectId;
  size: number;
}

export interface AttemptRecord {
  attempt: number;
  /** The attempt's fencing token (absent in entries stored before tokens were). */
  token?: string;
  runnerPod: string;
  reason: RunReason;
  exitCode: number | null;
  signal: string | null;
  errorLine?: string;
  elapsedMs: number;
  finishedAt: Date;
}

export interface RunDoc {
  /** `<campaignUid>/<run>`: the key that makes "one document per run" a server-side guarantee. */
  _id: string;
  campaignUid: string;
  run: number;
  status: RunStatus;
  /** Attempts started; an attempt handed back on shutdown is refunded. */
  attempts: number;
  /** The fencing token of the attempt begun last. */
  token?: string;
  /**
   * The token of the attempt whose outcome this record is (set by the flip):
   * the run's files, scalars, statistics and headers are those carrying it.
   * Absent on runs stored before tokens were; their documents carry none.
   */
  winnerToken?: string;
  attemptHistory?: AttemptRecord[];
  reason?: RunReason;
  exitCode?: number | null;
  signal?: string | null;
  errorLine?: string;
  /** Human-readable failure text: the error line, or what the runner saw. */
  message?: string;
  elapsedMs?: number;
  runnerPod?: string;
  /** What the run simulates (run-identity.ts): from the plan when it starts, from its `.sca` once it succeeds. */
  iterationVars?: Record<string, string>;
  repetition?: number;
  /** The seed set its `.sca` records. */
  seedSet?: number;
  resultFiles?: ResultFileRef[];
  outputTail?: string;
  /** The shell line that runs this run in a user's checkout (command.ts localCommandLine); set when an attempt begins. */
  command?: string;
  startedAt?: Date;
  finishedAt?: Date;
  updatedAt: Date;
}

export interface CampaignDoc {
  _id: string;
  namespace: string;
  campaign: string;
  /** Runs of the campaign; absent until planned. */
  total?: number;
  planMs?: number;
  plannedAt: Date;
  /** Set when run expansion failed for good (unknown config, bad filter): the `<!> Error:` text. */
  planError?: string;
}

export interface ScalarDoc {
  /** `<campaignUid>/<run>/<token>/<file>/<index>`: one attempt's insert repeated stores it once; two attempts never merge. */
  _id: string;
  campaignUid: string;
  run: number;
  /** The fencing token of the attempt that stored it (absent before tokens were). */
  token?: string;
  file: string;
  module: string;
  name: string;
  value: number;
  kind: 'scalar' | 'statistic';
  /** A scalar's attributes (`title`, `unit`, ...), sorted by name; absent when it has none and on statistic rows. */
  attrs?: Pairs;
  iterationVars: Record<string, string>;
}

/**
 * The header of one run in one .sca file (run id, attributes, iteration
 * variables, config lines), for the CSV-R export's header rows. Its `par`
 * lines are not stored: INET records thousands per run.
 */
export interface ScaRunDoc extends RunHeader {
  /** `<campaignUid>/<run>/<token>/<file>`. */
  _id: string;
  campaignUid: string;
  run: number;
  token?: string;
  file: string;
}

/** One statistic or histogram of a .sca file, with its fields, bins and attributes. */
export interface StatisticDoc extends StatisticRecord {
  /** `<campaignUid>/<run>/<token>/<file>/<index>`, the index counting the file's statistics. */
  _id: string;
  campaignUid: string;
  run: number;
  token?: string;
  file: string;
}

/** What the flip writes into a finished run's document: the whole terminal record of one attempt. */
export type RunOutcomeRecord = Omit<RunDoc, '_id' | 'campaignUid' | 'run' | 'attempts' | 'token' | 'command' | 'startedAt' | 'status' | 'winnerToken'> & {
  status: 'succeeded' | 'failed';
  winnerToken: string;
};

/**
 * The claim of a run's outcome, `_id` the run's: the attempt whose success or
 * terminal failure is the run's result, and the record its flip writes (so
 * that anyone can complete a flip its attempt did not live to do). Inserted
 * once, never changed.
 */
export interface RunWinnerDoc {
  _id: string;
  campaignUid: string;
  run: number;
  attempt: number;
  token: string;
  runnerPod: string;
  at: Date;
  outcome: RunOutcomeRecord;
}

export function runId(campaignUid: string, run: number): string {
  return `${campaignUid}/${run}`;
}

export function runsOf(db: Db): Collection<RunDoc> {
  return db.collection<RunDoc>(RUNS);
}

export function campaignsOf(db: Db): Collection<CampaignDoc> {
  return db.collection<CampaignDoc>(CAMPAIGNS);
}

export function scalarsOf(db: Db): Collection<ScalarDoc> {
  return db.collection<ScalarDoc>(SCALARS);
}

export function scaRunsOf(db: Db): Collection<ScaRunDoc> {
  return db.collection<ScaRunDoc>(SCA_RUNS);
}

export function statisticsOf(db: Db): Collection<StatisticDoc> {
  return db.collection<StatisticDoc>(STATISTICS);
}

/** The results bucket of a database, for reading result files (result-files.ts writes them through gridfs.ts). */
export function resultsBucket(db: Db): GridFSBucket {
  return new GridFSBucket(db, { bucketName: RESULTS_BUCKET });
}

/** Creates the indexes behind every query of the runner, the operator, the CLI and the dashboard. */
export async function ensureIndexes(db: Db): Promise<void> {
  // Progress counts by status; failed runs listed by run number.
  await runsOf(db).createIndex({ campaignUid: 1, status: 1, run: 1 }, { name: 'campaign_status_run' });
  // The results service's runs table, paged by run number without a status filter.
  await runsOf(db).createIndex({ campaignUid: 1, run: 1 }, { name: 'campaign_run' });
  // Throughput for the ETA: runs finished recently.
  await runsOf(db).createIndex({ campaignUid: 1, finishedAt: 1 }, { name: 'campaign_finished' });
  // Export: all scalars of a campaign, or one scalar across runs.
  await scalarsOf(db).createIndex({ campaignUid: 1, run: 1 }, { name: 'campaign_run' });
  await scalarsOf(db).createIndex({ campaignUid: 1, name: 1 }, { name: 'campaign_name' });
  // The CSV-R export reads run headers and statistics of a campaign in run order.
  await scaRunsOf(db).createIndex({ campaignUid: 1, run: 1 }, { name: 'campaign_run' });
  await statisticsOf(db).createIndex({ campaignUid: 1, run: 1 }, { name: 'campaign_run' });
  // The sweep's pass over a campaign's claims (outcome.ts rollForwardClaims).
  await db.collection(RUN_WINNERS).createIndex({ campaignUid: 1 }, { name: 'campaign' });
  // Result download per campaign and per run.
  await db.collection(`${RESULTS_BUCKET}.files`).createIndex({ 'metadata.campaignUid': 1, 'metadata.run': 1 }, { name: 'campaign_run' });
  // The GridFS spec's own indexes, which the driver creates only on its first upload stream.
  await db.collection(`${RESULTS_BUCKET}.files`).createIndex({ filename: 1, uploadDate: 1 });
  await db.collection(`${RESULTS_BUCKET}.chunks`).createIndex({ files_id: 1, n: 1 }, { unique: true });
}
