// `inet-swarm list`: the campaigns of the namespace (or of all with -A), like
// `kubectl get simulationcampaigns` with the columns a user scans for.
import { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { campaignRow, createdMs, formatCampaignList, type CampaignRow } from '../campaign/decide.ts';
import { listCampaigns, openCluster } from '../campaign/kube.ts';
import { commandOptions, print } from '../campaign/options.ts';

/** Campaigns, oldest first, as rows. */
export async function listAction(ctx: CliContext, globals: { namespace?: string | undefined; context?: string | undefined }, all: boolean): Promise<CampaignRow[]> {
  const api = await openCluster(ctx.env, globals);
  const items = await listCampaigns(api, all);
  const now = ctx.now();
  return items
    .sort((a, b) => createdMs(a) - createdMs(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))
    .map((c) => campaignRow(c, now));
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
      const text = rows.length === 0 ? `No campaigns${all ? '' : ' in this namespace'}.\n` : formatCampaignList(rows, all);
      print(ctx, globals.json, rows, text);
    });
}
