// Options of the commands: parsers for option values, and the options several
// commands share, declared once so every command spells and documents them the
// same way. The parsers throw UsageError, so a bad value exits with code 2 and
// a message naming the option, like commander's own checks.
import type { Command } from 'commander';
import { includePatternError } from '../lib/store/include.ts';
import { goDurationMs } from '../lib/time.ts';
import type { MongoOptions } from './campaign/mongo.ts';
import type { GlobalOptions } from './context.ts';
import { UsageError } from './errors.ts';

/**
 * Parses a duration such as `90s`, `5m`, `1h30m`, `500ms` or a plain number of seconds (`30`),
 * returning milliseconds. `0` means no limit.
 */
export function parseDuration(text: string, option = 'duration'): number {
  const value = text.trim();
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : goDurationMs(value);
  if (ms === undefined) {
    throw new UsageError(`${option}: '${text}' is not a duration (examples: 30s, 5m, 1h30m, 500ms, or seconds as a number)`);
  }
  return Math.round(ms);
}

/** Parses a whole number >= `min`. */
export function parseCount(text: string, option: string, min = 1): number {
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${option}: '${text}' must be a whole number of at least ${min}`);
  }
  return value;
}

/** Adds one `--include` pattern to those given before, refusing one the campaign's CRD would refuse (lib/store/include.ts). */
export function parseIncludePattern(text: string, previous: string[] | undefined, option = '--include'): string[] {
  const error = includePatternError(text);
  if (error !== undefined) throw new UsageError(`${option}: '${text}' is not a result file pattern: ${error}`);
  return [...(previous ?? []), text];
}

/** Parses the name of a Kubernetes object (a DNS subdomain: lowercase letters, digits, '-' and '.'). */
export function parseObjectName(text: string, option: string): string {
  const value = text.trim();
  if (value.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value)) {
    throw new UsageError(`${option}: '${text}' is not the name of a Kubernetes object (lowercase letters, digits, '-' and '.')`);
  }
  return value;
}

/**
 * Adds the admins' direct way to the result store to a command that reads
 * results; without them the command reads through the results API with the
 * user's kubeconfig.
 */
export function withMongoOptions(command: Command): Command {
  return command
    .option(
      '--mongo-uri <uri>',
      'admins: read the result store directly at this MongoDB URI (env INETSWARM_MONGO_URI) instead of through the results API',
    )
    .option(
      '--mongo-port-forward',
      "admins: read the store's address from the namespace's inet-swarm-builder Secret and port-forward to it through the API server",
    )
    .option('--mongo-database <name>', 'prefix of the namespaces\' databases (the operator\'s INETSWARM_MONGO_DATABASE), with --mongo-uri or --mongo-port-forward', undefined);
}

/** The global options, the MongoDB options and the command's own options, after parsing. */
export function commandOptions<T extends object>(command: Command): { globals: GlobalOptions; mongo: MongoOptions; options: T } {
  const raw = command.optsWithGlobals<GlobalOptions & MongoOptions & T>();
  return {
    globals: { namespace: raw.namespace, context: raw.context, json: raw.json === true },
    mongo: { mongoUri: raw.mongoUri, mongoDatabase: raw.mongoDatabase, mongoPortForward: raw.mongoPortForward === true },
    options: raw,
  };
}
