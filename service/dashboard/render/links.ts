// The dashboard's URLs, all built from `base` (the prefix the pages live
// under: on the cluster the API server's path of the results service, so the
// browser's requests go through the API server with the user's identity).
// The handler's router parses the same shapes (service/dashboard/routes.ts).

/** Query parameters of a page; empty values are left out. */
export type Query = Record<string, string | number | undefined>;

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

const seg = (s: string | number) => encodeURIComponent(String(s));

export function campaignsUrl(base: string): string {
  return `${base}/`;
}

export function campaignUrl(base: string, namespace: string, name: string, query?: Query): string {
  return withQuery(`${base}/namespaces/${seg(namespace)}/campaigns/${seg(name)}`, query);
}

/**
 * The campaign's live updates. Under `streams/proxy/`: the API server treats a
 * request whose subresource is `proxy` as long-running and never cuts it after
 * its 60 s request timeout (service/http/routes.ts); here `streams` is the
 * name and `proxy` the subresource of its request.
 */
export function eventsUrl(base: string, namespace: string, name: string): string {
  return `${base}/streams/proxy/namespaces/${seg(namespace)}/campaigns/${seg(name)}/events`;
}

/** A result file of a run, served by the API (not the dashboard): `api` is the API's path prefix (`${base}/..`). */
export function fileUrl(api: string, namespace: string, name: string, run: number, file: string): string {
  return `${api}/namespaces/${seg(namespace)}/campaigns/${seg(name)}/proxy/runs/${seg(run)}/files/${file.split('/').map(seg).join('/')}`;
}

export function runUrl(base: string, namespace: string, name: string, run: number): string {
  return `${base}/namespaces/${seg(namespace)}/campaigns/${seg(name)}/runs/${seg(run)}`;
}

export function buildsUrl(base: string, namespace?: string): string {
  return withQuery(`${base}/builds`, { namespace });
}

export function buildUrl(base: string, namespace: string, name: string): string {
  return `${base}/namespaces/${seg(namespace)}/builds/${seg(name)}`;
}

export function assetUrl(base: string, file: string): string {
  return `${base}/assets/${seg(file)}`;
}
