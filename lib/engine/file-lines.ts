// The lines of a file, read in chunks: memory holds one chunk's lines and one
// partial line whatever the file's size, and a line longer than the limit is
// an error rather than a string that grows until the process dies. Lines come
// a chunk's worth at a time: one await per line costs more than the parsing.
import { createReadStream } from 'node:fs';
import { PermanentError } from '../errors.ts';

/** 1 MiB: far above any run line OMNeT++ prints, far below what would hurt. */
export const MAX_LINE_BYTES = 1 << 20;
const CHUNK_BYTES = 1 << 20;

/** Yields the lines of `path` without their `\n` (a last line without one too), in order, in groups. */
export async function* fileLines(path: string, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<string[]> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  const tooLong = () => new PermanentError(`line ${lineNo + 1} of the output is longer than ${maxLineBytes} bytes`);
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      if (pendingBytes + nl - start > maxLineBytes) throw tooLong();
      lines.push(pendingBytes === 0 ? chunk.toString('utf8', start, nl) : Buffer.concat([...pending, chunk.subarray(start, nl)]).toString('utf8'));
      lineNo += 1;
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > maxLineBytes) throw tooLong();
    }
    if (lines.length > 0) yield lines;
  }
  if (pendingBytes > 0) yield [Buffer.concat(pending).toString('utf8')];
}
