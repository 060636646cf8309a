// The results service's HTTPS server. Every request of the API comes through
// the cluster's API server (front-proxy.ts authenticates it by its client
// certificate), is matched to a route, and is answered from the caller's view;
// only the health checks are open. The front-proxy CA is re-read every minute
// and swapped into the TLS context, so a rotated CA never needs a restart.
import type { CoreV1Api } from '@kubernetes/client-node';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { authenticate, readFrontProxyTrust, type FrontProxyTrust } from './auth/front-proxy.ts';
import { handle, type Extensions } from './api/handlers.ts';
import { callerView, type ServiceContext } from './data/view.ts';
import { HttpError } from './http/errors.ts';
import { sendError } from './http/respond.ts';
import { matchRoute } from './http/routes.ts';

export interface ResultsServerOptions {
  context: ServiceContext;
  core: CoreV1Api;
  tls: { cert: string; key: string };
  host: string;
  port: number;
  extensions: Extensions;
  log: Logger;
  /** How often the front-proxy trust is re-read; default 60 s. */
  trustRefreshMs?: number;
}

export interface ResultsServer {
  port: number;
  close(): Promise<void>;
}

export async function startResultsServer(options: ResultsServerOptions): Promise<ResultsServer> {
  let trust: FrontProxyTrust = await readFrontProxyTrust(options.core);
  const { log } = options;
  const server: Server = createServer(
    // The CA is the front-proxy's only: a client certificate is asked for and checked, never required at the TLS
    // level, so that health checks connect without one and API requests without one get a 401 that says why.
    { ...options.tls, ca: trust.ca, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://results.invalid');
      if (url.pathname === '/healthz' || url.pathname === '/readyz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      const started = Date.now();
      void (async () => {
        try {
          const match = matchRoute(url.pathname);
          if (!match) throw new HttpError(404, `No such path in ${url.pathname.startsWith('/apis/') ? 'this API' : 'the results API'}: ${url.pathname}`);
          if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'The results API is read-only: GET only.');
          const caller = authenticate(req, trust);
          await handle({ match, url, req, res, view: callerView(options.context, caller), signal: abort.signal }, options.extensions);
          log.debug({ path: url.pathname, user: caller.user, status: res.statusCode, ms: Date.now() - started }, 'request');
        } catch (error) {
          if (!(error instanceof HttpError)) log.error({ err: error, path: url.pathname }, 'request failed');
          sendError(res, error);
        }
      })();
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const refresh = setInterval(() => {
    readFrontProxyTrust(options.core)
      .then((next) => {
        if (next.ca !== trust.ca) server.setSecureContext({ ...options.tls, ca: next.ca });
        trust = next;
      })
      .catch((err: unknown) => log.warn({ err }, 'could not re-read the front-proxy trust; keeping the last one'));
  }, options.trustRefreshMs ?? 60_000);
  refresh.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      clearInterval(refresh);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
