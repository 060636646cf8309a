// Reads a `.sca` file into a ScaStream in chunks of CHUNK bytes, so that no
// file is ever held whole (one string stops at about 512 MB in V8): lines are
// split on the bytes, and a line longer than MAX_LINE is counted as a problem
// and skipped. After each chunk the caller may take what settled and store it
// (`afterChunk`), which bounds the memory of a file of any size.
import { openRegular } from './regular-file.ts';
import type { ScaStream } from './sca-stream.ts';

const CHUNK = 1024 * 1024;
/** Longer than any line OMNeT++ writes; a line this long is not read. */
export const MAX_LINE = 1024 * 1024;
const NEWLINE = 0x0a;

/** Feeds every line of the file at `path` to `stream`, awaiting `afterChunk` after each chunk. */
export async function readScaFile(path: string, stream: ScaStream, afterChunk: () => Promise<void>): Promise<void> {
  const handle = await openRegular(path);
  try {
    const buffer = Buffer.alloc(CHUNK);
    let carry: Buffer[] = [];
    let carried = 0;
    let skipping = false;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      let start = 0;
      for (let nl = buffer.indexOf(NEWLINE, 0); nl !== -1 && nl < bytesRead; nl = buffer.indexOf(NEWLINE, start)) {
        if (skipping) stream.overlong(carried + nl - start);
        else stream.line(lineText(carry, buffer.subarray(start, nl)));
        carry = [];
        carried = 0;
        skipping = false;
        start = nl + 1;
      }
      carried += bytesRead - start;
      if (carried > MAX_LINE) skipping = true;
      carry = skipping ? [] : [...carry, Buffer.from(buffer.subarray(start, bytesRead))];
      await afterChunk();
    }
    if (skipping) stream.overlong(carried);
    else if (carried > 0) stream.line(lineText(carry, Buffer.alloc(0)));
  } finally {
    await handle.close();
  }
}

/** A line's text from the bytes carried over from earlier chunks and its end, without a trailing CR. */
function lineText(carry: Buffer[], end: Buffer): string {
  const bytes = carry.length === 0 ? end : Buffer.concat([...carry, end]);
  const length = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
  return bytes.toString('utf8', 0, length);
}
