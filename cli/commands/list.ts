// `inet-swarm list`: the campaigns of the namespace (or of all with -A), like
// `kubectl get simulationcampaigns` with the columns a user scans for.
import { Command } from 'commander';
import { listCampaigns, openCluster } from '../campaign/kube.ts';
import type { CliContext, GlobalOptions } from '../context.ts';
import { campaignRows, type CampaignRow } from '../data/list.ts';
import { commandOptions } from '../options.ts';
import { formatCampaignList } from '../output/list.ts';
import { print } from '../output/print.ts';

/** Campaigns, oldest first, as rows. */
export async function listAction(ctx: CliContext, globals: Pick<GlobalOptions, 'namespace' | 'context'>, all: boolean): Promise<CampaignRow[]> {
  const api = await openCluster(ctx.env, globals);
  return campaignRows(await listCampaigns(api, all), ctx.now());
}

export function makeListCommand(ctx: CliContext): Command {
  return new Command('list')
    .summary('list the campaigns of the namespace (-A: of every namespace)')
    .description('Lists campaigns with their phase, done/total runs, failed runs, build and age.\n\nExample: inet-swarm list -A')
    .option('-A, --all-namespaces', 'list the campaigns of every namespace')
    .action(async (_opts: unknown, command: Command) => {
      const { globals, options } = commandOptions<{ allNamespaces?: boolean }>(command);
      const all = options.allNamespaces === true;
      const rows = await listAction(ctx, globals, all);
      print(ctx, globals.json, rows, formatCampaignList(rows, all));
    });
}
