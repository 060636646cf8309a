// Typed readers of environment variables, shared by every process's config
// module (operator, runner pod, builder pod, CLI) so that all settings follow
// one story: the INETSWARM_ prefix, durations in seconds, an empty value
// counting as unset, and one error type, ConfigError, whose message names the
// variable and the bad value (never the value of a secret: the readers that
// take credentials do not print what they read). docs/configuration.md lists
// every setting.
import { PermanentError } from './errors.ts';

/** An environment: process.env or a test's plain object. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A missing or malformed setting; permanent, since retrying reads the same value again. */
export class ConfigError extends PermanentError {
  /** The variable to fix. */
  readonly variable: string;

  /** `message` should name `variable`; when it does not, the name is put in front. */
  constructor(variable: string, message: string) {
    super(message.includes(variable) ? message : `${variable}: ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/** The value of `name`, or undefined when unset or blank. */
export function text(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The value of `name`; ConfigError when unset or blank. `hint` says who should have set it. */
export function required(env: Env, name: string, hint?: string): string {
  const value = text(env, name);
  if (value === undefined) throw new ConfigError(name, `Environment variable ${name} is required but not set${hint ? ` (${hint})` : ''}`);
  return value;
}

function bad(name: string, value: string, expected: string): ConfigError {
  return new ConfigError(name, `Environment variable ${name} must be ${expected}, got ${JSON.stringify(value)}`);
}

/** A whole number in [min, max] (min defaults to 0). */
export function integer(env: Env, name: string, range: { min?: number; max?: number } = {}): number | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  const min = range.min ?? 0;
  const n = Number(value);
  if (!/^\s*[+-]?\d+\s*$/.test(value) || n < min || (range.max !== undefined && n > range.max)) {
    const kind = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer of at least ${min}`;
    throw bad(name, value, range.max === undefined ? kind : `${kind} of at most ${range.max}`);
  }
  return n;
}

/** A finite number of at least `min` (default 0), fractions allowed. */
export function number(env: Env, name: string, range: { min?: number } = {}): number | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  const min = range.min ?? 0;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw bad(name, value, min === 0 ? 'a non-negative number' : `a number of at least ${min}`);
  return n;
}

/**
 * A duration written in seconds (fractions allowed: `0.5`), returned in
 * milliseconds. Positive unless `allowZero`.
 */
export function durationMs(env: Env, name: string, options: { allowZero?: boolean } = {}): number | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !options.allowZero)) {
    throw bad(name, value, options.allowZero ? 'a non-negative number of seconds' : 'a positive number of seconds');
  }
  return Math.round(n * 1000);
}

/** `true`/`1` or `false`/`0`, in any case. */
export function boolean(env: Env, name: string): boolean | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  const lower = value.trim().toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw bad(name, value, 'true or false');
}

/** One of `values`. */
export function oneOf<T extends string>(env: Env, name: string, values: readonly T[]): T | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  if (!(values as readonly string[]).includes(value)) throw bad(name, value, `one of ${values.join(', ')}`);
  return value as T;
}

/**
 * A URL with one of `schemes` (`nats`, `mongodb`, ...). Only the scheme is
 * checked: the clients parse the rest (a MongoDB URI lists several hosts,
 * which URL does not accept). With `secret` (a URI that may hold a password)
 * the message leaves the value out.
 */
export function url(env: Env, name: string, schemes: readonly string[], options: { secret?: boolean } = {}): string | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value.trim())?.[1]?.toLowerCase();
  if (scheme === undefined || !schemes.includes(scheme)) {
    const expected = `a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`;
    if (options.secret) throw new ConfigError(name, `Environment variable ${name} must be ${expected} (its value is not shown: it may hold a password)`);
    throw bad(name, value, expected);
  }
  return value.trim();
}

/** pino's levels, for the processes' INETSWARM_LOG_LEVEL. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Schemes of NATS server URLs and of MongoDB connection strings, for `url`. */
export const NATS_SCHEMES = ['nats', 'tls', 'ws', 'wss'] as const;
export const MONGO_SCHEMES = ['mongodb', 'mongodb+srv'] as const;

/** A list separated by commas or white space; blank items are dropped. */
export function list(env: Env, name: string): string[] | undefined {
  return text(env, name)?.split(/[\s,]+/).filter(Boolean);
}

/** The JSON value of `name` if `accept` takes it; undefined when unset, ConfigError naming `expected` otherwise. */
function json<T>(env: Env, name: string, expected: string, accept: (parsed: unknown) => parsed is T): T | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (!accept(parsed)) throw bad(name, value.slice(0, 200), expected);
  return parsed;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON array of strings (lists whose items may hold commas, such as shell commands). */
export function jsonStrings(env: Env, name: string): string[] | undefined {
  return json(env, name, 'a JSON array of strings', (v): v is string[] => Array.isArray(v) && v.every((item) => typeof item === 'string'));
}

/** A JSON object whose values are strings (a label map, such as a nodeSelector). */
export function jsonStringMap(env: Env, name: string): Record<string, string> | undefined {
  return json(env, name, 'a JSON object of strings', (v): v is Record<string, string> => isObject(v) && Object.values(v).every((item) => typeof item === 'string'));
}

/** A JSON array of objects (a list of Kubernetes structs, such as tolerations), passed on as they are. */
export function jsonObjects(env: Env, name: string): Record<string, unknown>[] | undefined {
  return json(env, name, 'a JSON array of objects', (v): v is Record<string, unknown>[] => Array.isArray(v) && v.every(isObject));
}
