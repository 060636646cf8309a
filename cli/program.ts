// The `inet-swarm` command tree. Every command is its own module under
// commands/ and is registered here; the program declares the global options,
// routes commander's output to the context's streams and hands every error to
// the one handler in errors.ts.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { makeRunCommand } from './commands/run.ts';
import type { CliContext } from './context.ts';
import { ExitCode, reportError } from './errors.ts';

type CommandFactory = (ctx: CliContext) => Command;

/** A command whose module is imported only when the command line names it (the AWS SDK alone takes seconds to load). */
interface LazyCommand {
  name: string;
  summary: string;
  load: () => Promise<CommandFactory>;
}

/** The command modules, in the order `--help` lists them: one module per command under commands/. */
const commandFactories: CommandFactory[] = [makeRunCommand];
const lazy = (name: string, summary: string, load: () => Promise<CommandFactory>): LazyCommand => ({ name, summary, load });
const lazyCommands: LazyCommand[] = [
  lazy('list', 'list the campaigns of the namespace (-A: of every namespace)', async () => (await import('./commands/list.ts')).makeListCommand),
  lazy('status', "show a campaign's progress and failed runs (--watch: follow it)", async () => (await import('./commands/status.ts')).makeStatusCommand),
  lazy('logs', "show a run's output or the build log of a campaign", async () => (await import('./commands/logs.ts')).makeLogsCommand),
  lazy('cancel', 'cancel a campaign (its stored results stay)', async () => (await import('./commands/cancel.ts')).makeCancelCommand),
  lazy('delete', 'delete a campaign (--results: and its stored results)', async () => (await import('./commands/delete.ts')).makeDeleteCommand),
  lazy('results', "download a campaign's result files, or export its scalars as CSV", async () => (await import('./commands/results.ts')).makeResultsCommand),
  lazy('rerun', 'run the failed or missing runs of a campaign again, as a new campaign', async () => (await import('./commands/rerun.ts')).makeRerunCommand),
  lazy('dashboard', 'serve the web dashboard on 127.0.0.1 with your kubeconfig (until Ctrl-C)', async () => (await import('./commands/dashboard.ts')).makeDashboardCommand),
  lazy('cluster', 'show, halt or resume the EKS runner nodegroup', async () => (await import('./commands/cluster.ts')).makeClusterCommand),
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
  for (const entry of lazyCommands) {
    program.addCommand(
      argv.includes(entry.name) ? (await entry.load())(ctx) : new Command(entry.name).summary(entry.summary).allowUnknownOption(),
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
 * code (ExitCode in errors.ts): the action's, else the one reportError gives its error. Never throws.
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
    return reportError(err, ctx, argv.includes('--json'));
  }
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
