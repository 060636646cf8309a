// The CLI's client of the results API (results.inetswarm.dev, api/results.ts):
// GETs through the cluster's API server with the user's own kubeconfig, as
// kubectl get --raw does, so the user needs no database credentials and no
// port-forward. Bodies stream (the archive, files, events); a refusal becomes
// a CliError whose message data/results-api.ts words.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { RequestOptions } from 'node:https';
import { campaignPath } from '../../api/results.ts';
import { CliError } from '../errors.ts';
import { refusalMessage } from '../data/results-api.ts';
import type { ClusterApi } from './kube.ts';

export interface ResultsApi {
  /** The namespace the command works in. */
  namespace: string;
  /** The API server's address, for messages. */
  server: string;
  /**
   * GETs `path` (under the API server, query included) and resolves with the
   * response whatever its status; the caller reads or drains the body.
   */
  raw(path: string, headers?: Record<string, string>, signal?: AbortSignal): Promise<IncomingMessage>;
  /** GETs `path`; a status >= 300 becomes a CliError worded for `doing`. */
  open(path: string, doing: string, headers?: Record<string, string>, signal?: AbortSignal): Promise<IncomingMessage>;
  /** GETs `path` as JSON. */
  json<T>(path: string, doing: string): Promise<T>;
  /** The path of the command's namespace's campaign `name`, or of one of its parts. */
  campaign(name: string, ...parts: Array<string | number>): string;
}

/** Reads a whole (small) body as text. */
export async function bodyText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A path with a query of the defined values. */
export function withQuery(path: string, query: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The client for the cluster the command connected to. */
export function resultsApi(cluster: ClusterApi): ResultsApi {
  const kc = cluster.kubeConfig;
  const server = kc.getCurrentCluster()?.server ?? '';
  const raw = async (path: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<IncomingMessage> => {
    // Appended, not resolved: a server address with a path (a proxy in front of the API server) keeps it.
    const url = new URL(`${server.replace(/\/$/, '')}${path}`);
    const options: RequestOptions = { headers: { Accept: '*/*', ...headers } };
    // Certificates, token or exec credentials of the kubeconfig's user, asked for every request (tokens expire).
    await kc.applyToHTTPSOptions(options);
    const { request } = url.protocol === 'http:' ? await import('node:http') : await import('node:https');
    return new Promise((resolve, reject) => {
      const req = request(url, { ...options, method: 'GET', ...(signal ? { signal } : {}) }, resolve);
      req.once('error', (err) => reject(signal?.aborted ? err : new CliError(`Could not reach the API server ${server}: ${err.message}`, { cause: err })));
      req.end();
    });
  };
  const open = async (path: string, doing: string, headers?: Record<string, string>, signal?: AbortSignal): Promise<IncomingMessage> => {
    const res = await raw(path, headers, signal);
    const code = res.statusCode ?? 0;
    if (code < 300) return res;
    throw new CliError(refusalMessage({ code, body: await bodyText(res), namespace: cluster.namespace, doing }));
  };
  return {
    namespace: cluster.namespace,
    server,
    raw,
    open,
    json: async <T>(path: string, doing: string): Promise<T> => {
      const text = await bodyText(await open(path, doing, { Accept: 'application/json' }));
      try {
        return JSON.parse(text) as T;
      } catch (err) {
        throw new CliError(`The results service answered ${doing} with something that is not JSON: ${text.slice(0, 200)}`, { cause: err });
      }
    },
    campaign: (name, ...parts) => campaignPath(cluster.namespace, name, ...parts),
  };
}

/** A response header as one string. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}
