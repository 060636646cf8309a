// The campaign page's server-sent events, from DashboardData.campaignUpdates:
// one `summary` event per change, carrying the summary block as rendered
// markup and the counts key the live script compares. The dashboard serves
// its own stream (rather than the API's `/events` of the campaign) so the
// browser gets markup the pages' own renderers made, through the same
// handler, prefix and access as the page.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DashboardData } from './data.ts';
import { countsKey, summaryBlock } from './render/summary.ts';

/** Comment lines keep proxies between browser and service (the API server's aggregator) from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

export async function streamCampaign(req: IncomingMessage, res: ServerResponse, data: DashboardData, namespace: string, name: string): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  req.once('close', stop);
  res.once('close', stop);
  const aborted = new Promise<IteratorResult<never>>((resolve) => controller.signal.addEventListener('abort', () => resolve({ done: true, value: undefined as never })));
  const updates = data.campaignUpdates(namespace, name, controller.signal)[Symbol.asyncIterator]();
  // The first summary before the headers: a campaign the caller may not read fails as a page error with its status.
  let next = await Promise.race([updates.next(), aborted]);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  });
  res.write('retry: 3000\n\n');
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  try {
    while (!next.done) {
      const event = { counts: countsKey(next.value), html: summaryBlock(next.value, new Date()).text };
      res.write(`event: summary\ndata: ${JSON.stringify(event)}\n\n`);
      next = await Promise.race([updates.next(), aborted]);
    }
  } catch {
    // The stream ends; the browser's EventSource reconnects after `retry` and gets a fresh first summary.
  } finally {
    clearInterval(keepalive);
    controller.abort();
    void updates.return?.();
    res.end();
  }
}
