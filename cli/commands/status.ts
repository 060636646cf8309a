// `inet-swarm status [NAME] [--watch]`: one campaign's phase, counts, ETA and
// failed runs; without NAME the newest campaign of the namespace. --watch
// follows it until it finishes; Ctrl-C stops watching, never the campaign.
import { Command } from 'commander';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import type { CliContext } from '../context.ts';
import { CliError, ExitCode } from '../errors.ts';
import { createdMs, formatStatus, isFinished, statusView, type CampaignStatusView } from '../campaign/decide.ts';
import { getCampaign, listCampaigns, openCluster, type ClusterApi } from '../campaign/kube.ts';
import { commandOptions, print } from '../campaign/options.ts';
import { followCampaign, statusReporter } from '../campaign/watch.ts';

/** The named campaign, or the newest of the namespace. */
export async function campaignOrNewest(api: ClusterApi, name: string | undefined): Promise<SimulationCampaign> {
  if (name) return getCampaign(api, name);
  const items = await listCampaigns(api, false);
  const newest = items.sort((a, b) => createdMs(b) - createdMs(a))[0];
  if (!newest) throw new CliError(`No campaigns in namespace ${api.namespace}.`);
  return newest;
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
        const controller = new AbortController();
        const stop = ctx.onInterrupt((count) => {
          if (count === 1) controller.abort();
        });
        const reporter = statusReporter({ stdout: ctx.stdout, stderr: ctx.stderr }, globals.json, ctx.now);
        try {
          const end = await followCampaign(api, campaign.metadata.name ?? '', { signal: controller.signal, onChange: (c) => reporter.show(c) });
          reporter.close();
          if (end.kind === 'deleted') throw new CliError(`Campaign ${campaign.metadata.name ?? ''} was deleted.`);
          if (end.kind === 'aborted') {
            ctx.stderr.write(`Stopped watching; campaign ${campaign.metadata.name ?? ''} keeps running.\n`);
            ctx.exitCode = ExitCode.interrupted;
            return;
          }
          campaign = end.campaign;
        } finally {
          reporter.close();
          stop();
        }
      }
      const view = statusView(campaign);
      print(ctx, globals.json, view, formatStatus(view, ctx.now()));
      if (options.watch) ctx.exitCode = watchExitCode(view);
    });
}

/** After --watch: 0 when the campaign succeeded with no failed run, else 1. */
export function watchExitCode(view: CampaignStatusView): number {
  return view.phase === 'Succeeded' && view.failed === 0 ? ExitCode.ok : ExitCode.failure;
}
