// The task document on the work queue and its validating parser. Pure: a
// malformed message must become a value the runner can log and term, never an
// exception that kills the runner.
import type { RunIdentity } from '../engine/run-identity.ts';
import type { CampaignRef } from './subjects.ts';

/** How often and how long a run may be attempted; travels with every task so a runner needs no lookup. */
export interface AttemptPolicy {
  maxAttempts: number;
  retrySimulationErrors: boolean;
  /** Per-run wall-clock limit; SIGTERM at the limit, SIGKILL after the runner's grace. */
  runTimeoutMs: number;
}

export interface PlanTask extends CampaignRef {
  version: 1;
  kind: 'plan';
  policy: AttemptPolicy;
}

export interface RunTask extends CampaignRef {
  version: 1;
  kind: 'run';
  run: number;
  policy: AttemptPolicy;
  /** What the run simulates, from the plan; absent in tasks of an older runner. */
  identity?: RunIdentity;
}

export type Task = PlanTask | RunTask;

export type ParsedTask = { ok: true; task: Task } | { ok: false; error: string };

const NAME = /^[A-Za-z0-9_-]+$/;

/** Serialises a task to the bytes published on the queue. */
export function encodeTask(task: Task): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(task));
}

/** Parses and validates a task message; every problem is named in `error`. */
export function parseTask(data: Uint8Array | string): ParsedTask {
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
  } catch (err) {
    return { ok: false, error: `task is not JSON: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'task is not a JSON object' };
  const v = value as Record<string, unknown>;
  if (v.version !== 1) return { ok: false, error: `unsupported task version ${JSON.stringify(v.version)} (expected 1)` };
  if (v.kind !== 'plan' && v.kind !== 'run') return { ok: false, error: `unknown task kind ${JSON.stringify(v.kind)} (expected plan or run)` };
  for (const key of ['namespace', 'campaign', 'campaignUid'] as const) {
    const s = v[key];
    if (typeof s !== 'string' || !NAME.test(s)) return { ok: false, error: `task field ${key} must be a non-empty name, got ${JSON.stringify(s)}` };
  }
  const policy = parsePolicy(v.policy);
  if (typeof policy === 'string') return { ok: false, error: policy };
  const ref = { namespace: v.namespace as string, campaign: v.campaign as string, campaignUid: v.campaignUid as string };
  if (v.kind === 'plan') return { ok: true, task: { version: 1, kind: 'plan', ...ref, policy } };
  if (typeof v.run !== 'number' || !Number.isSafeInteger(v.run) || v.run < 0) {
    return { ok: false, error: `run task field run must be a non-negative integer, got ${JSON.stringify(v.run)}` };
  }
  const identity = parseIdentity(v.identity);
  if (typeof identity === 'string') return { ok: false, error: identity };
  return { ok: true, task: { version: 1, kind: 'run', ...ref, run: v.run, policy, ...(identity ? { identity } : {}) } };
}

function parseIdentity(p: unknown): RunIdentity | undefined | string {
  if (p === undefined) return undefined;
  if (typeof p !== 'object' || p === null) return 'task field identity must be an object';
  const o = p as Record<string, unknown>;
  if (typeof o.repetition !== 'number' || !Number.isInteger(o.repetition) || o.repetition < 0) {
    return `identity.repetition must be a non-negative integer, got ${JSON.stringify(o.repetition)}`;
  }
  const vars = o.iterationVars;
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars) || Object.values(vars).some((x) => typeof x !== 'string')) {
    return 'identity.iterationVars must be an object of strings';
  }
  return { iterationVars: { ...(vars as Record<string, string>) }, repetition: o.repetition };
}

function parsePolicy(p: unknown): AttemptPolicy | string {
  if (typeof p !== 'object' || p === null) return 'task field policy must be an object';
  const o = p as Record<string, unknown>;
  if (typeof o.maxAttempts !== 'number' || !Number.isInteger(o.maxAttempts) || o.maxAttempts < 1) {
    return `policy.maxAttempts must be an integer >= 1, got ${JSON.stringify(o.maxAttempts)}`;
  }
  if (typeof o.retrySimulationErrors !== 'boolean') return 'policy.retrySimulationErrors must be a boolean';
  if (typeof o.runTimeoutMs !== 'number' || !(o.runTimeoutMs > 0)) {
    return `policy.runTimeoutMs must be a positive number, got ${JSON.stringify(o.runTimeoutMs)}`;
  }
  return { maxAttempts: o.maxAttempts, retrySimulationErrors: o.retrySimulationErrors, runTimeoutMs: o.runTimeoutMs };
}
