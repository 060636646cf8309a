// `inet-swarm cancel NAME`: deletes the campaign. The operator's finalizer
// removes its queue state and its runner Job goes with it; stored results stay.
import { Command } from 'commander';
import { deleteCampaign, openCluster } from '../campaign/kube.ts';
import type { CliContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { commandOptions } from '../options.ts';
import { cancelledText } from '../output/messages.ts';
import { print } from '../output/print.ts';

export function makeCancelCommand(ctx: CliContext): Command {
  return new Command('cancel')
    .summary('cancel a campaign (its stored results stay)')
    .description(
      'Deletes the campaign: its runners stop and the operator removes its queue state. Results stored so far stay ' +
        'in the result store; download them with `inet-swarm results NAME`.\n\nExample: inet-swarm cancel aloha-20261121-204500',
    )
    .argument('<name>', 'campaign name')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const { globals } = commandOptions(command);
      const api = await openCluster(ctx.env, globals);
      const deleted = await deleteCampaign(api, name);
      if (!deleted) throw new CliError(`No campaign '${name}' in namespace ${api.namespace}. See the campaigns with: inet-swarm list`);
      print(ctx, globals.json, { namespace: api.namespace, campaign: name, cancelled: true }, cancelledText(api.namespace, name));
    });
}
