// What `inet-swarm dashboard`'s local proxy does with one browser request:
// forward it to the results API through the API server, redirect `/` to the
// dashboard, or refuse it. Only GET, only the API's paths, and only for a Host
// header naming the proxy itself: a web page elsewhere that points a name of
// its own at 127.0.0.1 (DNS rebinding) sends its own name as Host and is
// refused, so it cannot read what the user may read. Pure.
import { RESULTS_API_PATH } from '../../api/results.ts';

export const DASHBOARD_PATH = `${RESULTS_API_PATH}/dashboard/`;

export type ProxyDecision =
  | { kind: 'forward'; path: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'refuse'; status: number; message: string };

/** The Host headers the proxy answers on `port`. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** Whether a path (already resolved by URL parsing) stays inside the API once its escapes are decoded. */
function insideApi(pathname: string): boolean {
  if (pathname !== RESULTS_API_PATH && !pathname.startsWith(`${RESULTS_API_PATH}/`)) return false;
  try {
    return pathname.split('/').every((s) => {
      const d = decodeURIComponent(s);
      return d !== '.' && d !== '..' && !d.includes('/') && !d.includes('\\');
    });
  } catch {
    return false;
  }
}

/** The decision for a request of `method` to `url` (as the request line has it) with Host `host`, on a proxy listening on `port`. */
export function decideRequest(method: string | undefined, url: string | undefined, host: string | undefined, port: number): ProxyDecision {
  if (!allowedHosts(port).includes((host ?? '').toLowerCase())) {
    return { kind: 'refuse', status: 403, message: `This proxy answers only requests for ${allowedHosts(port).join(' or ')}, not for host "${host ?? ''}".` };
  }
  if (method !== 'GET') return { kind: 'refuse', status: 405, message: `Only GET is forwarded, not ${method ?? ''}.` };
  let parsed: URL;
  try {
    parsed = new URL(url ?? '/', `http://127.0.0.1:${port}`);
  } catch {
    return { kind: 'refuse', status: 400, message: 'Not a request path.' };
  }
  if (parsed.pathname === '/') return { kind: 'redirect', location: DASHBOARD_PATH };
  if (!insideApi(parsed.pathname)) return { kind: 'refuse', status: 404, message: `Only paths under ${RESULTS_API_PATH}/ are forwarded.` };
  return { kind: 'forward', path: `${parsed.pathname}${parsed.search}` };
}

/** The request headers passed on to the API server: what a download, a cache or an event stream needs, no cookie. */
export const FORWARDED_REQUEST_HEADERS = ['accept', 'range', 'if-range', 'if-none-match', 'if-modified-since', 'last-event-id'] as const;

/** The response headers passed back to the browser: hop-by-hop headers and cookies stay behind. */
export const FORWARDED_RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'content-range',
  'content-disposition',
  'accept-ranges',
  'etag',
  'last-modified',
  'cache-control',
  'location',
  'retry-after',
] as const;

/** The headers of `from` that are listed in `names`, as single strings. */
export function pickHeaders(from: Record<string, string | string[] | undefined>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = from[name];
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
