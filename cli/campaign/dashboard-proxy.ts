// The local proxy of `inet-swarm dashboard`: an HTTP server on 127.0.0.1
// that passes the browser's GETs of the results API to the API server with
// the user's own credentials, as `kubectl proxy` does, so the dashboard shows
// what its user may see. Bodies stream as they come (an event stream is
// never buffered); data/dashboard.ts decides what is forwarded.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decideRequest, FORWARDED_REQUEST_HEADERS, FORWARDED_RESPONSE_HEADERS, pickHeaders } from '../data/dashboard.ts';
import type { ResultsApi } from './results-api.ts';

export interface DashboardProxy {
  port: number;
  close(): Promise<void>;
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(`${message}\n`)) });
  res.end(`${message}\n`);
}

async function forward(api: ResultsApi, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const stop = new AbortController();
  res.once('close', () => stop.abort());
  try {
    const upstream = await api.raw(path, pickHeaders(req.headers, FORWARDED_REQUEST_HEADERS), stop.signal);
    res.writeHead(upstream.statusCode ?? 502, pickHeaders(upstream.headers, FORWARDED_RESPONSE_HEADERS));
    // The headers go at once and every chunk as it arrives (pipe keeps no buffer of its own, only backpressure):
    // server-sent events must not wait for a buffer to fill.
    res.flushHeaders();
    upstream.pipe(res);
    upstream.once('error', () => res.destroy());
    upstream.once('aborted', () => res.destroy());
  } catch (err) {
    if (stop.signal.aborted) return;
    if (res.headersSent) res.destroy();
    else refuse(res, 502, `The API server could not be reached: ${(err as Error).message}`);
  }
}

/** Starts the proxy on 127.0.0.1:`port` (0: a free port). */
export async function startDashboardProxy(api: ResultsApi, port: number): Promise<DashboardProxy> {
  let listening = port;
  const server: Server = createServer((req, res) => {
    const decision = decideRequest(req.method, req.url, req.headers.host, listening);
    if (decision.kind === 'refuse') return refuse(res, decision.status, decision.message);
    if (decision.kind === 'redirect') {
      res.writeHead(302, { Location: decision.location, 'Content-Length': '0' });
      return res.end();
    }
    void forward(api, decision.path, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  listening = (server.address() as AddressInfo).port;
  return {
    port: listening,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
