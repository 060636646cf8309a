// The `inet-swarm` command tree. Every command is its own module under
// commands/ and is registered here; the program only declares the global
// options and turns commander's own exits into errors main.ts maps to codes.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { PermanentError, TemporaryError } from '../lib/errors.ts';
import { makeRunCommand } from './commands/run.ts';
import type { CliContext } from './context.ts';
import { CliError, ExitCode } from './errors.ts';

/** A command whose module is imported only when the command line names it (the AWS SDK alone takes seconds to load). */
interface LazyCommand {
  name: string;
  summary: string;
  load: (ctx: CliContext) => Promise<Command>;
}

/** The command modules, in the order `--help` lists them. Cluster-side commands slot in here. */
const commandFactories: Array<(ctx: CliContext) => Command> = [makeRunCommand];
const lazyCommands: LazyCommand[] = [
  {
    name: 'list',
    summary: 'list the campaigns of the namespace (-A: of every namespace)',
    load: async (ctx) => (await import('./commands/list.ts')).makeListCommand(ctx),
  },
  {
    name: 'status',
    summary: "show a campaign's progress and failed runs (--watch: follow it)",
    load: async (ctx) => (await import('./commands/status.ts')).makeStatusCommand(ctx),
  },
  {
    name: 'logs',
    summary: "show a run's output or the build log of a campaign",
    load: async (ctx) => (await import('./commands/logs.ts')).makeLogsCommand(ctx),
  },
  {
    name: 'cancel',
    summary: 'cancel a campaign (its stored results stay)',
    load: async (ctx) => (await import('./commands/cancel.ts')).makeCancelCommand(ctx),
  },
  {
    name: 'results',
    summary: "download a campaign's result files, or export its scalars as CSV",
    load: async (ctx) => (await import('./commands/results.ts')).makeResultsCommand(ctx),
  },
  {
    name: 'rerun',
    summary: 'run the failed or missing runs of a campaign again, as a new campaign',
    load: async (ctx) => (await import('./commands/rerun.ts')).makeRerunCommand(ctx),
  },
  {
    name: 'cluster',
    summary: 'show, halt or resume the EKS runner nodegroup',
    load: async (ctx) => (await import('./commands/cluster.ts')).clusterCommand({ stdout: ctx.stdout, env: ctx.env }),
  },
];

/**
 * Builds the program for one invocation; output goes to the context's streams. Lazy commands named
 * in `argv` are loaded for real; the others are listed in the help by name and summary only.
 */
export async function buildProgram(ctx: CliContext, argv: string[] = []): Promise<Command> {
  const program = new Command('inet-swarm')
    .description(
      'Runs OMNeT++/INET simulation campaigns on Kubernetes (or with --local on this machine) and puts the ' +
        'results into results/ as if opp_runall had run them locally.',
    )
    .version(version(), '-V, --version')
    .option('-n, --namespace <namespace>', "Kubernetes namespace (default: the context's, else default)")
    .option('--context <context>', 'kubeconfig context to use (default: the current context)')
    .option('--json', 'machine-readable output: NDJSON progress events and a JSON result on stdout')
    .showSuggestionAfterError(true);
  for (const factory of commandFactories) program.addCommand(factory(ctx));
  for (const lazy of lazyCommands) {
    program.addCommand(
      argv.includes(lazy.name) ? await lazy.load(ctx) : new Command(lazy.name).summary(lazy.summary).allowUnknownOption(),
    );
  }
  configure(program, ctx);
  return program;
}

/** Applies output routing and exitOverride to a command and every subcommand (addCommand does not copy them). */
function configure(command: Command, ctx: CliContext): void {
  command
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
    })
    .showSuggestionAfterError(true);
  for (const sub of command.commands) configure(sub, ctx);
}

/**
 * Runs the program with `argv` (user arguments only, without node and script) and returns the exit
 * code: 0 ok, 1 failure (including failed runs), 2 usage errors, 130 after Ctrl-C. Never throws.
 */
export async function runProgram(argv: string[], ctx: CliContext): Promise<number> {
  try {
    const program = await buildProgram(ctx, argv);
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return ExitCode.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    const code = reportError(err, ctx);
    // With --json a script reads stdout: the error is there too, as one JSON line.
    if (code !== ExitCode.ok && argv.includes('--json')) {
      ctx.stdout.write(`${JSON.stringify({ error: { message: errorMessage(err), exitCode: code } })}\n`);
    }
    return code;
  }
}

/** The one-line message of an error, as reportError prints it without the `Error:` prefix. */
function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^error: /, '').trim();
}

/** The one place errors become messages and exit codes. */
export function reportError(err: unknown, ctx: CliContext): number {
  if (err instanceof CommanderError) {
    // Commander has already printed its message (or the help/version text).
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) {
      return ExitCode.ok;
    }
    return ExitCode.usage;
  }
  if (err instanceof CliError) {
    ctx.stderr.write(`Error: ${err.message}\n`);
    return err.exitCode;
  }
  // Typed errors of the shared operator code carry messages meant for people; no stack needed.
  if (err instanceof PermanentError || err instanceof TemporaryError) {
    ctx.stderr.write(`Error: ${err.message}${err instanceof TemporaryError ? ' (this may pass: try again)' : ''}\n`);
    return ExitCode.failure;
  }
  // File system errors (EACCES, ENOSPC, ...) name the path; a stack trace would only hide that.
  const systemError = err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
  const message = err instanceof Error ? (systemError ? err.message : (err.stack ?? err.message)) : String(err);
  ctx.stderr.write(`Error: ${message}\n`);
  return ExitCode.failure;
}

/** The package version, from package.json next to cli/ (sources) or two levels up (dist/cli/). */
function version(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'inet-swarm' && pkg.version) return pkg.version;
    } catch {
      // Not there: try the next candidate.
    }
  }
  return 'unknown';
}
