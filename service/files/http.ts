// The file downloads as node:http handlers: the router calls sendFile or
// sendArchive once it has authorized the request and found the campaign;
// they answer GET and HEAD with the status and headers range.ts decides and
// stream the body. An error before the status is sent is answered with a
// Status document; one after it breaks the connection, so that a client
// never takes a short or wrong body for a whole one, and rejects the
// returned promise. A client that goes away just ends the download.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from 'mongodb';
import { MISSING_FILES_HEADER, missingFilesHeader } from '../../api/results.ts';
import { HttpError, statusOf } from '../http/errors.ts';
import { sendJson } from '../http/respond.ts';
import type { ResultFileRef } from '../../lib/store/store.ts';
import { archiveEntries, streamArchive } from './archive.ts';
import { fileBody, streamFile } from './file.ts';
import { archiveLayout } from './layout.ts';
import { DownloadStopped } from './out.ts';
import { planReply, type ByteRange, type Reply } from './range.ts';

function sendStatus(res: ServerResponse, code: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, code, statusOf(new HttpError(code, message)), headers);
}

/** A Content-Disposition that names the download: the plain name for ASCII, RFC 8187's filename* beside it otherwise. */
export function attachment(filename: string): string {
  const base = filename.slice(filename.lastIndexOf('/') + 1);
  const plain = base.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return plain === base ? `attachment; filename="${base}"` : `attachment; filename="${plain}"; filename*=UTF-8''${encodeURIComponent(base)}`;
}

/** Decides the reply to `req`, or answers it itself (405, 416) and returns undefined. */
function reply(req: IncomingMessage, res: ServerResponse, body: { size: number; etag: string }): Reply | undefined {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    sendStatus(res, 405, `${method} is not allowed here`, { Allow: 'GET, HEAD' });
    return undefined;
  }
  const header = (name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(',') : v;
  };
  const plan = planReply({ method, range: header('range'), ifRange: header('if-range'), ifNoneMatch: header('if-none-match') }, body);
  if (plan.status === 416) {
    sendStatus(res, 416, `The range ${header('range')} starts past the end (${body.size} bytes)`, plan.headers);
    return undefined;
  }
  return plan;
}

/**
 * Sends the status and headers, then the body through `stream`. A failure
 * mid-body breaks the connection (without an error event, which nothing
 * would handle) and is then thrown for the caller to log.
 */
async function send(res: ServerResponse, plan: Reply, headers: Record<string, string>, stream: (range: ByteRange, signal: AbortSignal) => Promise<void>): Promise<void> {
  res.writeHead(plan.status, { ...headers, ...plan.headers });
  if (!plan.range) {
    res.end();
    return;
  }
  const stop = new AbortController();
  const onClose = (): void => stop.abort();
  res.once('close', onClose);
  try {
    await stream(plan.range, stop.signal);
    res.end();
  } catch (err) {
    res.destroy();
    if (!(err instanceof DownloadStopped)) throw err;
  } finally {
    res.off('close', onClose);
  }
}

/** Answers a request for one stored result file: the whole file or one range of it; 404 when the store no longer holds it. */
export async function sendFile(req: IncomingMessage, res: ServerResponse, db: Db, ref: ResultFileRef): Promise<void> {
  const file = await fileBody(db, ref).catch((err: unknown) => err as Error);
  if (file instanceof Error || file === undefined) {
    if (file === undefined) sendStatus(res, 404, `The stored file ${ref.name} is gone`);
    else sendStatus(res, 500, `Reading ${ref.name} failed: ${file.message}`);
    return;
  }
  const plan = reply(req, res, file);
  if (!plan) return;
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Content-Disposition': attachment(file.name) };
  if (file.uploadDate) headers['Last-Modified'] = file.uploadDate.toUTCString();
  await send(res, plan, headers, (range, signal) => streamFile(db, file, range, res, signal));
}

/**
 * Answers a request for the archive of all of `sources`' result files
 * (campaign uids, oldest first): the whole archive or its tail from a
 * resume point. `filename` names the download (default `results.tar`).
 */
export async function sendArchive(req: IncomingMessage, res: ServerResponse, db: Db, sources: readonly string[], filename = 'results.tar'): Promise<void> {
  const listed = await archiveEntries(db, sources).catch((err: unknown) => err as Error);
  if (listed instanceof Error) {
    sendStatus(res, 500, `Listing the result files failed: ${listed.message}`);
    return;
  }
  const layout = archiveLayout(listed.entries);
  const plan = reply(req, res, layout);
  if (!plan) return;
  const headers: Record<string, string> = { 'Content-Type': 'application/x-tar', 'Content-Disposition': attachment(filename) };
  // Files the store lost are left out of the archive and named here, so that a download reports them and goes on.
  if (listed.missing.length > 0) headers[MISSING_FILES_HEADER] = missingFilesHeader(listed.missing);
  await send(res, plan, headers, (range, signal) => streamArchive(db, layout, range, res, signal));
}
