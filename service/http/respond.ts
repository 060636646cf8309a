// Writing answers: JSON documents, the Status document of an error, and
// server-sent events, each with the headers that keep proxies (the API
// server's aggregation layer among them) from caching or buffering them.
import type { ServerResponse } from 'node:http';
import { HttpError, statusOf } from './errors.ts';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Answers with the error's Status document; errors that are not HttpErrors are a 500 whose detail stays in the log. */
export function sendError(res: ServerResponse, error: unknown): void {
  const http = error instanceof HttpError ? error : new HttpError(500, 'Internal error of the results service; its log has the details.');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, http.status, statusOf(http));
}

/** Starts an event stream; returns a writer of named events and stops the keep-alive comments when the response closes. */
export function startEvents(res: ServerResponse, keepAliveMs = 15_000): (event: string, data: unknown) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
  // A client that lost the stream reconnects after this long.
  res.write('retry: 2000\n\n');
  const timer = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
  res.on('close', () => clearInterval(timer));
  return (event, data) => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
}
