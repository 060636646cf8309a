// The dashboard's one request handler: routes a request under `base` to its
// page, fragment, event stream or asset, and maps errors to an error page
// with their HTTP status (the core throws errors carrying `status`, e.g. 403
// for a namespace the caller may not read). Pages are per user, so nothing
// is cached by proxies; the Content-Security-Policy lets only the inline
// stylesheet (by its hash) and the dashboard's own script run.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DashboardData } from './data.ts';
import { streamCampaign } from './events.ts';
import { loadCampaignView, statusOf } from './load.ts';
import { buildPage, buildsPage } from './render/builds.ts';
import { campaignFragment, campaignPage } from './render/campaign.ts';
import { campaignsPage } from './render/campaigns.ts';
import { errorPage, ICON, STYLESHEET } from './render/layout.ts';
import { LIVE_SCRIPT } from './render/live-script.ts';
import { runPage } from './render/run.ts';
import { PageError, parseCampaignQuery, parseRoute, type Route } from './route.ts';

const sha256 = (text: string, encoding: 'base64' | 'hex') => createHash('sha256').update(text).digest(encoding);

const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${sha256(STYLESHEET, 'base64')}'`,
  "script-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const asset = (type: string, body: string) => ({ type, body, etag: `"${sha256(body, 'hex').slice(0, 16)}"` });
const ASSETS: Record<string, { type: string; body: string; etag: string }> = {
  'live.js': asset('text/javascript; charset=utf-8', LIVE_SCRIPT),
  'icon.svg': asset('image/svg+xml', ICON),
};

function send(req: IncomingMessage, res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendAsset(req: IncomingMessage, res: ServerResponse, file: string): void {
  const asset = ASSETS[file];
  if (!asset) throw new PageError(404, `No asset ${file}.`);
  const headers = { 'content-type': asset.type, 'cache-control': 'no-cache', etag: asset.etag };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  send(req, res, 200, asset.body, headers);
}

/** What a route answers with: the page's markup, or undefined when it wrote the response itself. */
async function answer(route: Route, req: IncomingMessage, res: ServerResponse, data: DashboardData, base: string, query: URLSearchParams): Promise<string | undefined> {
  const now = new Date();
  switch (route.kind) {
    case 'campaigns':
      return campaignsPage(base, await data.campaigns(), now).text;
    case 'campaign': {
      const q = parseCampaignQuery(query);
      const view = await loadCampaignView(data, base, route.namespace, route.name, q, now);
      return (q.fragment ? campaignFragment(view, q.fragment) : campaignPage(view)).text;
    }
    case 'events':
      await streamCampaign(req, res, data, route.namespace, route.name);
      return undefined;
    case 'run':
      return runPage(base, route.namespace, route.name, await data.run(route.namespace, route.name, route.run)).text;
    case 'builds':
      return buildsPage(base, await data.builds(route.namespace)).text;
    case 'build':
      return buildPage(base, await data.build(route.namespace, route.name)).text;
    case 'asset':
      sendAsset(req, res, route.file);
      return undefined;
    case 'unknown':
      throw new PageError(404, 'There is no dashboard page at this address.');
  }
}

/** The message an error page shows: the core's own words for a request error, nothing internal for a server error. */
function errorMessage(error: unknown, status: number): string {
  if (status >= 500) return 'The results service could not answer; try again in a moment.';
  if (error instanceof Error && error.message) return error.message;
  return status === 403 ? 'You may not read this.' : status === 404 ? 'Not found.' : 'The request was not understood.';
}

/**
 * The prefix the links of the page at `pathname` are written with: a path
 * relative to that page (`.`, `..`, `../..`) that resolves to `base`. Never an
 * absolute path: the API server's proxy rewrites every absolute link of an
 * HTML page it relays into one at the service's own address (which the
 * browser cannot reach), and leaves relative links alone.
 */
export function linkBase(pathname: string, base: string): string {
  const below = pathname.slice(base.length).split('/').slice(1);
  // The last segment names the page itself, not a folder the browser resolves from.
  const depth = below.length - 1;
  const last = base.slice(base.lastIndexOf('/') + 1);
  return depth < 0 ? last : depth === 0 ? '.' : Array.from({ length: depth }, () => '..').join('/');
}

/**
 * Serves the dashboard's pages under `base` (`${RESULTS_API_PATH}/dashboard`
 * on the API server). Resolves false, writing nothing, when the path is not a
 * dashboard path; otherwise answers the request and resolves true.
 * `onError` hears every error that became a 5xx page (for the core's log).
 */
export async function handleDashboard(req: IncomingMessage, res: ServerResponse, data: DashboardData, base: string, onError?: (error: unknown) => void): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
  const trimmed = base.replace(/\/+$/, '');
  try {
    const route = parseRoute(url.pathname, url.searchParams, trimmed);
    if (!route) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new PageError(405, 'The dashboard only answers GET and HEAD.');
    const body = await answer(route, req, res, data, linkBase(url.pathname, trimmed), url.searchParams);
    if (body !== undefined) send(req, res, 200, body);
  } catch (error) {
    const known = statusOf(error);
    const status = known !== undefined && known >= 400 && known <= 599 ? known : 500;
    if (status >= 500) onError?.(error);
    if (res.headersSent) res.end();
    else send(req, res, status, errorPage(linkBase(url.pathname, trimmed), status, errorMessage(error, status)).text, status === 405 ? { allow: 'GET, HEAD' } : {});
  }
  return true;
}
