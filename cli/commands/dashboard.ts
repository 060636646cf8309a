// `inet-swarm dashboard`: opens the results service's web dashboard to this
// machine's browser through a local proxy on 127.0.0.1 that forwards to the
// API server with the user's own kubeconfig (campaign/dashboard-proxy.ts),
// prints its address and runs until Ctrl-C. It opens no browser itself.
import { Command } from 'commander';
import { RESULTS_API_PATH } from '../../api/results.ts';
import { startDashboardProxy } from '../campaign/dashboard-proxy.ts';
import { openCluster } from '../campaign/kube.ts';
import { bodyText, resultsApi } from '../campaign/results-api.ts';
import type { CliContext } from '../context.ts';
import { DASHBOARD_PATH } from '../data/dashboard.ts';
import { ExitCode, UsageError } from '../errors.ts';
import { commandOptions, parseCount } from '../options.ts';
import { print } from '../output/print.ts';

export function makeDashboardCommand(ctx: CliContext): Command {
  return new Command('dashboard')
    .summary('serve the web dashboard on 127.0.0.1 with your kubeconfig (until Ctrl-C)')
    .description(
      'Starts a proxy on 127.0.0.1 that forwards the GET requests of your browser under ' +
        `${RESULTS_API_PATH}/ to the cluster's API server with your kubeconfig's credentials, as kubectl proxy does, ` +
        'and prints the dashboard\'s address; the dashboard shows the campaigns of the namespaces you may read. It ' +
        'refuses requests for another host name than 127.0.0.1 or localhost, and every method but GET. Ctrl-C stops it.\n\n' +
        'Examples:\n  inet-swarm dashboard\n  inet-swarm dashboard --port 8001',
    )
    .option('-p, --port <port>', 'local port (default: a free one)', (v) => parseCount(v, '--port', 0), 0)
    .action(async (_opts: unknown, command: Command) => {
      const { globals, options } = commandOptions<{ port: number }>(command);
      if (options.port > 65535) throw new UsageError('--port: at most 65535');
      const api = resultsApi(await openCluster(ctx.env, globals));
      // The API's discovery document first: a cluster without the results service is told now, not in the browser.
      await bodyText(await api.open(RESULTS_API_PATH, 'reaching the results API'));
      const proxy = await startDashboardProxy(api, options.port);
      const url = `http://127.0.0.1:${proxy.port}${DASHBOARD_PATH}`;
      print(ctx, globals.json, { url, port: proxy.port }, `Dashboard: ${url}\nForwarding to ${api.server} as your kubeconfig's user; Ctrl-C stops it.\n`);
      await new Promise<void>((resolve) => {
        const stop = ctx.onInterrupt(() => {
          stop();
          resolve();
        });
      });
      await proxy.close();
      ctx.exitCode = ExitCode.interrupted;
    });
}
