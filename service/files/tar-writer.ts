// Writes the bytes [start, end] of a results archive laid out by layout.ts,
// in tar-stream's format, reading only the stored files that overlap them.
//
// A resumed download starts tar-stream at the entry the range starts in; the
// bytes of that entry before the range are dropped. Its body's bytes before
// the range are fed as zeros rather than read from the store (tar-stream
// needs a body of the header's size, and the dropped bytes' values do not
// matter), so a resume inside a large file reads it from that position on.
// Each body is read with backpressure: an entry's source is pulled only as
// fast as `out` takes the archive.
import type { Writable } from 'node:stream';
import tar from 'tar-stream';
import { locate, tarHeader, type ArchiveLayout, type PlacedEntry } from './layout.ts';
import { DownloadStopped, writeChunk } from './out.ts';
import type { ByteRange } from './range.ts';

/** An entry's body from byte `start` of it to its end. */
export type BodySource = (entry: PlacedEntry, start: number) => AsyncIterable<Uint8Array>;

const ZEROS = new Uint8Array(64 * 1024);

async function* zeros(count: number): AsyncGenerator<Uint8Array> {
  for (let left = count; left > 0; left -= ZEROS.length) yield ZEROS.subarray(0, Math.min(left, ZEROS.length));
}

async function* bodyFrom(entry: PlacedEntry, skip: number, source: BodySource): AsyncGenerator<Uint8Array> {
  yield* zeros(skip);
  if (skip < entry.size) yield* source(entry, skip);
}

type Sink = ReturnType<tar.Pack['entry']>;

/** Waits until `sink` takes more; rejects once the archive is halted (a destroyed sink never drains). */
function drained(sink: Sink, halt: AbortSignal): Promise<void> {
  if (halt.aborted) return Promise.reject(new DownloadStopped('the archive stopped'));
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      sink.off('drain', onDrain).off('close', onHalt);
      halt.removeEventListener('abort', onHalt);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => done();
    const onHalt = (): void => done(new DownloadStopped('the archive stopped'));
    sink.on('drain', onDrain).on('close', onHalt);
    halt.addEventListener('abort', onHalt);
  });
}

/**
 * Adds one entry and its body to `pack`; settles once tar-stream has taken
 * all of it, and only after the body is closed, so that no read of the store
 * outlives the archive.
 */
async function addEntry(pack: tar.Pack, entry: PlacedEntry, body: AsyncIterable<Uint8Array>, halt: AbortSignal): Promise<void> {
  let sink: Sink | undefined;
  const taken = new Promise<void>((resolve, reject) => {
    sink = pack.entry(tarHeader(entry), (err) => (err ? reject(err) : resolve()));
  });
  // A failure reaches the caller through the pack; an error event on the sink would go unheard.
  sink!.on('error', () => undefined);
  // A destroyed pack fails the entry too; the loop below reports it.
  taken.catch(() => undefined);
  try {
    for await (const chunk of body) {
      if (halt.aborted || !sink!.write(chunk)) await drained(sink!, halt);
    }
    sink!.end(undefined);
  } catch (err) {
    // The pack first, so that the archive fails with this error rather than with its entry's destruction.
    pack.destroy(err as Error);
    throw err;
  }
  await taken;
}

/** Feeds tar-stream the entries from `index` on, then its closing blocks; a failure destroys the pack with its error. */
async function produce(pack: tar.Pack, layout: ArchiveLayout, from: { index: number; bodySkip: number }, source: BodySource, halt: AbortSignal): Promise<void> {
  try {
    for (let i = from.index; i < layout.entries.length; i++) {
      const entry = layout.entries[i]!;
      await addEntry(pack, entry, bodyFrom(entry, i === from.index ? from.bodySkip : 0, source), halt);
    }
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
  }
}

/**
 * Writes bytes `range` (inclusive; the whole archive when absent) of the
 * archive to `out`. Rejects when a body source fails, when tar-stream's bytes
 * do not end where the layout says (nothing was sent past the range, but
 * what was sent is wrong: the caller must break the response), or with
 * DownloadStopped when `out` closes or `signal` aborts.
 */
export async function writeArchive(layout: ArchiveLayout, range: ByteRange | undefined, source: BodySource, out: Writable, signal?: AbortSignal): Promise<void> {
  const { start, end } = range ?? { start: 0, end: layout.size - 1 };
  const from = locate(layout, start);
  const pack = tar.pack();
  const halt = new AbortController();
  const producing = produce(pack, layout, from, source, halt.signal);
  // The archive position of the next byte tar-stream emits.
  let position = layout.entries[from.index]?.offset ?? layout.trailerOffset;
  try {
    for await (const data of pack) {
      const chunk = data as Uint8Array;
      const first = Math.max(start - position, 0);
      const last = Math.min(end + 1 - position, chunk.length);
      if (last > first) await writeChunk(out, chunk.subarray(first, last), signal);
      position += chunk.length;
      if (position > end) break;
    }
  } finally {
    halt.abort();
    pack.destroy();
    await producing;
  }
  if (position < end + 1 || (end === layout.size - 1 && position !== layout.size)) {
    throw new Error(`the archive's bytes end at ${position}, its layout at ${layout.size}`);
  }
}
