// What a download answers to its request's Range and conditional headers
// (RFC 9110 §13, §14): the whole body, one range of it, 304 or 416. Pure, so
// that the file and the archive routes answer alike and a table test covers
// every case; http.ts writes what this decides.
//
// One range only: a request for several ranges gets the whole body (a server
// may ignore Range), since no download client asks for more than one to
// resume and multipart bodies would need their own length arithmetic.

/** Inclusive byte positions, as in a Content-Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

export type RangeRequest = { kind: 'whole' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' };

const SPEC = /^(\d*)-(\d*)$/;

/**
 * Reads a Range header for a body of `size` bytes: `bytes=N-`, `bytes=N-M`
 * and `bytes=-S` (the last S bytes). A header that is absent, malformed, of
 * another unit or asks for several ranges means the whole body; a range
 * that starts at or past the end is unsatisfiable.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header ?? '');
  if (!match) return { kind: 'whole' };
  const specs = match[1]!.split(',').map((s) => s.trim());
  if (specs.length !== 1) return { kind: 'whole' };
  const parts = SPEC.exec(specs[0]!);
  if (!parts || (parts[1] === '' && parts[2] === '')) return { kind: 'whole' };
  const [first, last] = [parts[1]!, parts[2]!];
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(size - suffix, 0), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (end < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', range: { start, end: Math.min(end, size - 1) } };
}

/** The request headers this decides on (lower-case, as node:http gives them). */
export interface DownloadRequest {
  method: string;
  range?: string;
  ifRange?: string;
  ifNoneMatch?: string;
}

export interface Reply {
  status: 200 | 206 | 304 | 416;
  /** The bytes to send; absent for 304, 416 and HEAD. */
  range?: ByteRange;
  headers: Record<string, string>;
}

/** True when an If-None-Match list names `etag` (weak comparison, RFC 9110 §13.1.2) or is `*`. */
function noneMatchHits(header: string, etag: string): boolean {
  const opaque = (tag: string): string => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/**
 * Decides a download's status and headers from its request and the body's
 * size and strong ETag. Range applies to GET only (HEAD answers as a GET
 * without Range would), and only when If-Range, if given, is this very ETag:
 * a resumed download of a body that changed since must start over.
 */
export function planReply(req: DownloadRequest, body: { size: number; etag: string }): Reply {
  const headers: Record<string, string> = { 'Accept-Ranges': 'bytes', ETag: body.etag };
  if (req.ifNoneMatch !== undefined && noneMatchHits(req.ifNoneMatch, body.etag)) return { status: 304, headers };
  const rangeApplies = req.method === 'GET' && (req.ifRange === undefined || req.ifRange.trim() === body.etag);
  const asked = rangeApplies ? parseRange(req.range, body.size) : { kind: 'whole' as const };
  if (asked.kind === 'unsatisfiable') return { status: 416, headers: { ...headers, 'Content-Range': `bytes */${body.size}` } };
  const range = asked.kind === 'partial' ? asked.range : { start: 0, end: body.size - 1 };
  const length = range.end - range.start + 1;
  const sent = req.method === 'HEAD' || length === 0 ? {} : { range };
  if (asked.kind === 'whole') return { status: 200, ...sent, headers: { ...headers, 'Content-Length': String(body.size) } };
  return {
    status: 206,
    ...sent,
    headers: { ...headers, 'Content-Length': String(length), 'Content-Range': `bytes ${range.start}-${range.end}/${body.size}` },
  };
}
