// One handler per route of http/routes.ts: read the parameters, ask the
// caller's view, write the answer. Access is the view's business; the
// handlers only shape requests and responses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteMatch } from '../http/routes.ts';
import { sendJson, startEvents } from '../http/respond.ts';
import { notFound } from '../http/errors.ts';
import type { CallerView } from '../data/view.ts';
import { discoveryDocument } from './discovery.ts';
import { openApiDocument } from './openapi.ts';
import { requiredParam, runParam, runQuery } from './query.ts';

export interface Request {
  match: RouteMatch;
  url: URL;
  req: IncomingMessage;
  res: ServerResponse;
  view: CallerView;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

/** What the handlers of the file routes and the dashboard need beyond the view, given by the server. */
export interface Extensions {
  scalars(request: Request, sources: string[]): Promise<void>;
  archive(request: Request, sources: string[]): Promise<void>;
  runFile(request: Request, sources: string[], run: number, file: string): Promise<void>;
  dashboard(request: Request): Promise<void>;
}

export async function handle(request: Request, extensions: Extensions): Promise<void> {
  const { match, url, res, view } = request;
  const { namespace = '', name = '' } = match.params;
  const q = url.searchParams;
  switch (match.route.name) {
    case 'discovery':
      return sendJson(res, 200, discoveryDocument());
    case 'openapi':
      return sendJson(res, 200, openApiDocument());
    case 'allCampaigns':
      return sendJson(res, 200, await view.campaigns());
    case 'campaigns':
      return sendJson(res, 200, await view.namespaceCampaigns(namespace));
    case 'campaign':
      return sendJson(res, 200, await view.campaign(namespace, name));
    case 'campaignEvents':
      return streamEvents(request, namespace, name);
    case 'runs':
      return sendJson(res, 200, await view.runs(namespace, name, runQuery(q)));
    case 'run':
      return sendJson(res, 200, await view.run(namespace, name, runParam(match.params.run)));
    case 'runFile': {
      const file = match.params.file ?? '';
      if (file === '') throw notFound('Name a file: .../runs/N/files/<name>');
      return extensions.runFile(request, (await view.resolve(namespace, name)).sources, runParam(match.params.run), file);
    }
    case 'failures':
      return sendJson(res, 200, await view.failures(namespace, name));
    case 'throughput':
      return sendJson(res, 200, await view.throughput(namespace, name));
    case 'scalars':
      return extensions.scalars(request, (await view.resolve(namespace, name)).sources);
    case 'scalarPlot': {
      const scalar = { module: requiredParam(q, 'module'), name: requiredParam(q, 'scalar') };
      return sendJson(res, 200, await view.scalarPlot(namespace, name, scalar, requiredParam(q, 'itervar')));
    }
    case 'archive':
      return extensions.archive(request, (await view.resolve(namespace, name)).sources);
    case 'allBuilds':
      return sendJson(res, 200, await view.builds());
    case 'builds':
      return sendJson(res, 200, await view.builds(namespace));
    case 'build':
      return sendJson(res, 200, await view.build(namespace, name));
    case 'dashboard':
      return extensions.dashboard(request);
  }
}

/** The campaign's summary as server-sent events: now, and after every change, until the client leaves. */
async function streamEvents(request: Request, namespace: string, name: string): Promise<void> {
  const updates = request.view.campaignUpdates(namespace, name, request.signal)[Symbol.asyncIterator]();
  // The first summary is read before the stream starts, so a 403 or 404 is still an error status.
  const first = await updates.next();
  const send = startEvents(request.res);
  if (!first.done) send('campaign', first.value);
  for (let next = await updates.next(); !next.done; next = await updates.next()) send('campaign', next.value);
  request.res.end();
}
