// Settings of the orphan collector, from the environment (docs/configuration.md).
import { durationMs, integer, type Env } from '../../../lib/config.ts';

export interface RetentionSettings {
  /** Time between two passes; 0 turns the collector off. */
  intervalMs: number;
  /** How long a campaign's results stay after the campaign is gone (`inet-swarm cancel` keeps them to download). */
  campaignGraceMs: number;
  /** How long a build's record and artifacts stay after the build is gone. */
  buildGraceMs: number;
  /** Most uids whose records one pass deletes, per database. */
  maxDeletions: number;
  /** Most documents and files one deletion removes in a pass. */
  budget: number;
}

const DAY_MS = 24 * 60 * 60_000;

export function retentionSettingsFromEnv(env: Env): RetentionSettings {
  return {
    intervalMs: durationMs(env, 'INETSWARM_RETENTION_INTERVAL_SECONDS', { allowZero: true }) ?? 10 * 60_000,
    campaignGraceMs: durationMs(env, 'INETSWARM_ORPHAN_RESULTS_GRACE_SECONDS', { allowZero: true }) ?? 7 * DAY_MS,
    buildGraceMs: durationMs(env, 'INETSWARM_ORPHAN_BUILDS_GRACE_SECONDS', { allowZero: true }) ?? DAY_MS,
    maxDeletions: integer(env, 'INETSWARM_RETENTION_MAX_DELETIONS', { min: 1 }) ?? 20,
    budget: integer(env, 'INETSWARM_RETENTION_BATCH', { min: 1 }) ?? 5_000,
  };
}
