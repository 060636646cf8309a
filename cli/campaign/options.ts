// Options shared by the cluster-side commands, declared once so every command
// spells and documents them the same way.
import type { Command } from 'commander';
import type { CliContext, GlobalOptions } from '../context.ts';
import type { MongoOptions } from './mongo.ts';

/** Adds --mongo-uri and --mongo-database to a command that reads results. */
export function withMongoOptions(command: Command): Command {
  return command
    .option(
      '--mongo-uri <uri>',
      'reach the result store directly at this MongoDB URI (env INETSWARM_MONGO_URI); by default the CLI reads the ' +
        "address from the namespace's inet-swarm-mongodb Secret and opens a port-forward to it itself",
    )
    .option('--mongo-database <name>', 'database of the result store (env INETSWARM_MONGO_DATABASE)', undefined);
}

/** The global options and the MongoDB options of a command, after parsing. */
export function commandOptions<T extends object>(command: Command): { globals: GlobalOptions; mongo: MongoOptions; options: T } {
  const raw = command.optsWithGlobals<GlobalOptions & MongoOptions & T>();
  return {
    globals: { namespace: raw.namespace, context: raw.context, json: raw.json === true },
    mongo: { mongoUri: raw.mongoUri, mongoDatabase: raw.mongoDatabase },
    options: raw,
  };
}

/** Writes `data` as one JSON document (with --json) or the text. */
export function print(ctx: CliContext, json: boolean, data: unknown, text: string): void {
  ctx.stdout.write(json ? `${JSON.stringify(data)}\n` : text);
}
