// Which dashboard page a request asks for: its path under `base` and its
// query, parsed into plain values (or the 400 that a bad value deserves)
// before any data is read. The URLs are built by render/links.ts.
import { FRAGMENTS, type FragmentName } from './render/campaign.ts';
import { RUN_STATUSES } from './render/runs-table.ts';
import { parseScalarKey } from './render/scalar-plot.ts';

export type Route =
  | { kind: 'campaigns' }
  | { kind: 'campaign'; namespace: string; name: string }
  | { kind: 'events'; namespace: string; name: string }
  | { kind: 'run'; namespace: string; name: string; run: number }
  | { kind: 'builds'; namespace?: string }
  | { kind: 'build'; namespace: string; name: string }
  | { kind: 'asset'; file: string }
  | { kind: 'unknown' };

/** An error with the HTTP status its page gets: what the core throws looks the same. */
export class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function segments(rest: string): string[] {
  try {
    return rest.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    throw new PageError(400, 'The address is not correctly encoded.');
  }
}

/** The route of a path, or undefined when the path is not under `base` (not the dashboard's). */
export function parseRoute(pathname: string, query: URLSearchParams, base: string): Route | undefined {
  if (pathname !== base && !pathname.startsWith(`${base}/`)) return undefined;
  const all = segments(pathname.slice(base.length));
  // Live updates sit under `streams/proxy/` (links.ts eventsUrl says why), the rest of the path as a page's.
  const streamed = all[0] === 'streams' && all[1] === 'proxy';
  const s = streamed ? all.slice(2) : all;
  const [a, ns, kind, name, sub, num, ...extra] = s;
  if (streamed) return s.length === 5 && a === 'namespaces' && kind === 'campaigns' && sub === 'events' ? { kind: 'events', namespace: ns!, name: name! } : { kind: 'unknown' };
  if (s.length === 0) return { kind: 'campaigns' };
  if (s.length === 1 && a === 'builds') return { kind: 'builds', namespace: query.get('namespace') || undefined };
  if (s.length === 2 && a === 'assets') return { kind: 'asset', file: ns! };
  if (a !== 'namespaces' || ns === undefined || name === undefined || extra.length > 0) return { kind: 'unknown' };
  if (kind === 'builds' && s.length === 4) return { kind: 'build', namespace: ns, name };
  if (kind !== 'campaigns') return { kind: 'unknown' };
  if (s.length === 4) return { kind: 'campaign', namespace: ns, name };
  if (s.length === 6 && sub === 'runs') return { kind: 'run', namespace: ns, name, run: runNumber(num!, 'run') };
  return { kind: 'unknown' };
}

function runNumber(text: string, what: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new PageError(400, `The ${what} must be a run number, not "${text}".`);
  return Number(text);
}

export const PAGE_SIZE = 50;

export interface CampaignQuery {
  status?: string;
  after?: number;
  before?: number;
  fragment?: FragmentName;
  scalar?: { module: string; name: string };
  /** The query's own `scalar` and `itervar` text, kept by the page's links. */
  requested: { scalar?: string; itervar?: string };
  itervar?: string;
}

/** The campaign page's query: status filter, page key, fragment, the plot's choice. */
export function parseCampaignQuery(query: URLSearchParams): CampaignQuery {
  const text = (key: string) => query.get(key) || undefined;
  const status = text('status');
  if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status)) {
    throw new PageError(400, `Unknown run status "${status}"; one of ${RUN_STATUSES.join(', ')}.`);
  }
  const after = text('after');
  const before = text('before');
  const fragment = text('fragment');
  if (fragment !== undefined && !(FRAGMENTS as readonly string[]).includes(fragment)) throw new PageError(400, `Unknown fragment "${fragment}".`);
  const scalarText = text('scalar');
  const scalar = scalarText === undefined ? undefined : parseScalarKey(scalarText);
  if (scalarText !== undefined && !scalar) throw new PageError(400, `A scalar is chosen as module|name, not "${scalarText}".`);
  return {
    status,
    after: after === undefined ? undefined : runNumber(after, '"after" key'),
    before: before === undefined ? undefined : runNumber(before, '"before" key'),
    fragment: fragment as FragmentName | undefined,
    scalar,
    itervar: text('itervar'),
    requested: { scalar: scalarText, itervar: text('itervar') },
  };
}
