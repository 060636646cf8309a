// `inet-swarm status [NAME] [--watch]`: one campaign's phase, counts, ETA and
// failed runs; without NAME the newest campaign of the namespace. --watch
// follows it until it finishes; Ctrl-C stops watching, never the campaign.
import { Command } from 'commander';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { getCampaign, listCampaigns, openCluster, type ClusterApi } from '../campaign/kube.ts';
import { watchCampaign } from '../campaign/watch.ts';
import type { CliContext } from '../context.ts';
import { isFinished, newestCampaign, statusView, watchExitCode } from '../data/status.ts';
import { CliError, ExitCode } from '../errors.ts';
import { commandOptions } from '../options.ts';
import { print } from '../output/print.ts';
import { formatStatus } from '../output/status.ts';

/** The named campaign, or the newest of the namespace. */
export async function campaignOrNewest(api: ClusterApi, name: string | undefined): Promise<SimulationCampaign> {
  if (name) return getCampaign(api, name);
  const newest = newestCampaign(await listCampaigns(api, false));
  if (!newest) throw new CliError(`No campaigns in namespace ${api.namespace}.`);
  return newest;
}

/** The campaign once it finished, or undefined when the user stopped watching (Ctrl-C). */
async function watchToEnd(api: ClusterApi, campaign: SimulationCampaign, ctx: CliContext, json: boolean): Promise<SimulationCampaign | undefined> {
  const name = campaign.metadata.name ?? '';
  const end = await watchCampaign(api, name, ctx, { json });
  if (end.kind === 'deleted') throw new CliError(`Campaign ${name} was deleted.`);
  if (end.kind === 'aborted') {
    ctx.stderr.write(`Stopped watching; campaign ${name} keeps running.\n`);
    return undefined;
  }
  return end.campaign;
}

export function makeStatusCommand(ctx: CliContext): Command {
  return new Command('status')
    .summary("show a campaign's progress and failed runs (--watch: follow it)")
    .description(
      'Shows the phase, run counts, ETA and the failed runs with their error lines of a campaign (the newest of the ' +
        'namespace when NAME is left out). --watch follows the progress until the campaign finishes; Ctrl-C stops ' +
        'watching and leaves the campaign running.\n\nExit code with --watch: 0 when it succeeded, 1 when runs failed.\n\n' +
        'Example: inet-swarm status aloha-20261121-204500 --watch',
    )
    .argument('[name]', 'campaign name (default: the newest)')
    .option('-w, --watch', 'follow the progress until the campaign finishes')
    .action(async (name: string | undefined, _opts: unknown, command: Command) => {
      const { globals, options } = commandOptions<{ watch?: boolean }>(command);
      const api = await openCluster(ctx.env, globals);
      let campaign = await campaignOrNewest(api, name);
      if (options.watch && !isFinished(campaign)) {
        const finished = await watchToEnd(api, campaign, ctx, globals.json);
        if (!finished) {
          ctx.exitCode = ExitCode.interrupted;
          return;
        }
        campaign = finished;
      }
      const view = statusView(campaign);
      print(ctx, globals.json, view, formatStatus(view, ctx.now()));
      if (options.watch) ctx.exitCode = watchExitCode(view);
    });
}
