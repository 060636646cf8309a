// `inet-swarm delete NAME [--results]`: deletes the campaign like `cancel`;
// with --results the operator's finalizer also deletes everything stored of
// it (run records, result files, scalars) before the campaign goes.
import { Command } from 'commander';
import { deleteCampaign, markResultsForDeletion, openCluster, type ClusterApi } from '../campaign/kube.ts';
import type { CliContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { commandOptions } from '../options.ts';
import { deletedText } from '../output/messages.ts';
import { print } from '../output/print.ts';

export interface Deleted {
  namespace: string;
  campaign: string;
  deleted: true;
  /** The operator deletes its stored results too. */
  results: boolean;
}

/** Deletes the campaign (its results too with `results`); a CliError naming `list` when it does not exist. */
export async function deleteAction(api: ClusterApi, name: string, options: { results: boolean }): Promise<Deleted> {
  // The mark goes first: the finalizer reads it from the object it finds deleted.
  const found = options.results ? await markResultsForDeletion(api, name) : true;
  if (!found || !(await deleteCampaign(api, name))) {
    throw new CliError(`No campaign '${name}' in namespace ${api.namespace}. See the campaigns with: inet-swarm list`);
  }
  return { namespace: api.namespace, campaign: name, deleted: true, results: options.results };
}

export function makeDeleteCommand(ctx: CliContext): Command {
  return new Command('delete')
    .summary('delete a campaign (--results: and its stored results)')
    .description(
      'Deletes the campaign: its runners stop and the operator removes its queue state. Without --results its stored ' +
        'results stay (like cancel) until the operator collects them as orphans; with --results the operator deletes ' +
        'its run records, result files and scalars before the campaign goes. Results that a rerun of it merges are ' +
        'deleted too.\n\nExample: inet-swarm delete aloha-20261121-204500 --results',
    )
    .argument('<name>', 'campaign name')
    .option('--results', 'also delete its stored results (run records, result files, scalars)')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const { globals, options } = commandOptions<{ results?: boolean }>(command);
      const api = await openCluster(ctx.env, globals);
      const done = await deleteAction(api, name, { results: options.results === true });
      print(ctx, globals.json, done, deletedText(done));
    });
}
