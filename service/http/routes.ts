// The API's routes as data: one row per path under RESULTS_API_PATH, its
// parameters, what it answers with and the resource whose read permission
// guards it. The router, the discovery document and the OpenAPI description
// are all read from this table, so a route cannot exist undocumented.
//
// Streams (events, the archive, files, the scalar export) live under a
// campaign's `proxy` subresource: the API server cuts every request it does
// not count as long-running after its request timeout (60 s by default, on
// EKS too), and it counts a fixed set of subresources (proxy, log, exec,
// attach, portforward) and watches as long-running. A 10 GB archive or an
// open event stream must outlive that. Pure.
import { RESULTS_API_PATH } from '../../api/results.ts';

export type RouteName =
  | 'discovery'
  | 'openapi'
  | 'allCampaigns'
  | 'campaigns'
  | 'campaign'
  | 'campaignEvents'
  | 'runs'
  | 'run'
  | 'runFile'
  | 'failures'
  | 'throughput'
  | 'scalars'
  | 'scalarPlot'
  | 'archive'
  | 'allBuilds'
  | 'builds'
  | 'build'
  | 'dashboard';

/** What a route answers with: JSON, server-sent events, CSV, a tar archive, a file's bytes, or HTML. */
export type RouteBody = 'json' | 'sse' | 'csv' | 'tar' | 'bytes' | 'html';

export interface Route {
  name: RouteName;
  /** Segments after RESULTS_API_PATH: literals, `:param`, and a final `*param` taking the rest (possibly empty). */
  path: string;
  body: RouteBody;
  summary: string;
  /** Query parameters and what they mean. */
  query?: Record<string, string>;
}

export const ROUTES: readonly Route[] = [
  { name: 'discovery', path: '', body: 'json', summary: 'The API resource list of the group version (for kubectl and the aggregator).' },
  { name: 'openapi', path: 'openapi', body: 'json', summary: 'This description (OpenAPI 3.0).' },
  { name: 'allCampaigns', path: 'campaigns', body: 'json', summary: 'The campaigns of every namespace the caller may read.' },
  { name: 'campaigns', path: 'namespaces/:namespace/campaigns', body: 'json', summary: 'The campaigns of a namespace, with stored results of deleted ones.' },
  { name: 'campaign', path: 'namespaces/:namespace/campaigns/:name', body: 'json', summary: "A campaign's phase, run counts and ETA." },
  {
    name: 'campaignEvents',
    path: 'namespaces/:namespace/campaigns/:name/proxy/events',
    body: 'sse',
    summary: "The campaign's summary now and after every change, as server-sent events named `campaign`.",
  },
  {
    name: 'runs',
    path: 'namespaces/:namespace/campaigns/:name/runs',
    body: 'json',
    summary: "A page of the campaign's runs in run-number order, paged by key.",
    query: {
      status: 'only runs of this status (pending, running, succeeded, failed)',
      after: 'runs after this run number (the `next` of a page)',
      before: 'runs before this run number (the `prev` of a page)',
      last: '`true`: the last page',
      limit: 'runs per page, 1..1000 (default 100)',
    },
  },
  { name: 'run', path: 'namespaces/:namespace/campaigns/:name/runs/:run', body: 'json', summary: 'One run: its attempts, output tail, the end of its .out file, its files.' },
  {
    name: 'runFile',
    path: 'namespaces/:namespace/campaigns/:name/proxy/runs/:run/files/*file',
    body: 'bytes',
    summary: "One of the run's result files, by its name under results/; Range requests resume it.",
  },
  { name: 'failures', path: 'namespaces/:namespace/campaigns/:name/failures', body: 'json', summary: 'Failed runs grouped by error line, largest group first.' },
  { name: 'throughput', path: 'namespaces/:namespace/campaigns/:name/throughput', body: 'json', summary: 'Runs finished per minute.' },
  {
    name: 'scalars',
    path: 'namespaces/:namespace/campaigns/:name/proxy/scalars',
    body: 'csv',
    summary: 'Every scalar of the succeeded runs as `opp_scavetool export -F CSV-R` writes it, from the store.',
    query: { module: 'glob of module paths, e.g. `**.server`', name: 'glob of result names, e.g. `collision*`' },
  },
  {
    name: 'scalarPlot',
    path: 'namespaces/:namespace/campaigns/:name/scalarplot',
    body: 'json',
    summary: 'One scalar of every succeeded run against one iteration variable.',
    query: { module: 'module path (exact)', scalar: 'scalar name (exact)', itervar: 'iteration variable name' },
  },
  {
    name: 'archive',
    path: 'namespaces/:namespace/campaigns/:name/proxy/archive',
    body: 'tar',
    summary: "All result files of the succeeded runs as one tar of results/; Range requests resume it.",
  },
  { name: 'allBuilds', path: 'builds', body: 'json', summary: 'The builds of every namespace the caller may read.' },
  { name: 'builds', path: 'namespaces/:namespace/builds', body: 'json', summary: 'The builds of a namespace.' },
  { name: 'build', path: 'namespaces/:namespace/builds/:name', body: 'json', summary: "A build's phase and log tail." },
  { name: 'dashboard', path: 'dashboard/*page', body: 'html', summary: 'The web dashboard (HTML pages, works without JavaScript).' },
];

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/** The route of a request path (query excluded), or undefined when it is none of the API's. */
export function matchRoute(pathname: string): RouteMatch | undefined {
  if (pathname !== RESULTS_API_PATH && !pathname.startsWith(`${RESULTS_API_PATH}/`)) return undefined;
  let parts: string[];
  try {
    parts = segments(pathname.slice(RESULTS_API_PATH.length)).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  for (const route of ROUTES) {
    const params = matchSegments(segments(route.path), parts);
    if (params) return { route, params };
  }
  return undefined;
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] ?? '';
    if (p.startsWith('*')) {
      params[p.slice(1)] = parts.slice(i).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (p.startsWith(':')) params[p.slice(1)] = part;
    else if (p !== part) return undefined;
  }
  return parts.length === pattern.length ? params : undefined;
}
