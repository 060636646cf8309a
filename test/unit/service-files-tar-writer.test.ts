// The results archive's writer against the layout computed beforehand: the
// bytes are exactly tar-stream's archive of the same entries, every entry
// starts where the layout says (names of every kind: short, ustar-split,
// pax for long or non-ASCII ones), a resume from any position is the full
// archive's tail and reads no body before it, and a slow reader holds the
// reading of the bodies back. In-memory bodies; no servers.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { ObjectId } from 'mongodb';
import tar from 'tar-stream';
import { archiveLayout, tarHeader, type ArchiveEntry, type ArchiveLayout, type PlacedEntry } from '../../service/files/layout.ts';
import { DownloadStopped } from '../../service/files/out.ts';
import { writeArchive, type BodySource } from '../../service/files/tar-writer.ts';

const omnetppName = 'General-numHosts=20,iaMean=exponential(3s),pkLenBits=952b,slotTime=100ms,txRate=9600bps,persistence=0.5-#12.sca';
const names = [
  'results/General-#0.sca',
  `results/${'a'.repeat(92)}`, // exactly 100 bytes: ustar, no prefix
  `results/${'b'.repeat(93)}`, // 101 bytes: ustar, results/ as prefix
  `results/Aloha/${omnetppName}`, // long OMNeT++ name in a subfolder: ustar split
  `results/${'c'.repeat(101)}`, // a name part over 100 bytes: pax
  `results/${Array.from({ length: 20 }, (_, i) => `folder${i}`).join('/')}/x.sca`, // prefix over 155 bytes: pax
  'results/Größe-#0.sca', // non-ASCII: pax
  `results/${'é'.repeat(41)}`, // 90 bytes: a pax record of 99 bytes
  `results/${'é'.repeat(41)}x`, // 91 bytes: the record's length gains a digit (101)
  `results/${'d'.repeat(480)}/${'e'.repeat(500)}`, // 989 bytes: a record of 999
  `results/${'d'.repeat(480)}/${'e'.repeat(501)}`, // 990 bytes: a record of 1,001
  `results/${'f'.repeat(400)}/${'g'.repeat(100)}/${'h'.repeat(97)}.vec`,
];
const sizes = [0, 1, 511, 512, 513, 1000, 70_000, 3, 4096, 200_000, 5, 1024];

function bodyOf(i: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let k = 0; k < size; k++) b[k] = (i * 31 + k * 7 + (k >> 9)) & 0xff;
  return b;
}

const entries: ArchiveEntry[] = names.map((path, i) => ({ run: i % 4, path, gridfsId: new ObjectId(), size: sizes[i]!, mtime: i === 0 ? 0 : 1_700_000_000 + i }));
const bodies = new Map(entries.map((e, i) => [String(e.gridfsId), bodyOf(i, e.size)]));
const layout = archiveLayout(entries);

/** A source that serves the bodies in 7 KB pieces and records what it was asked for and what it handed out. */
function recordingSource(): { source: BodySource; asked: Array<[string, number]>; handed: { bytes: number }; closed: string[] } {
  const asked: Array<[string, number]> = [];
  const handed = { bytes: 0 };
  const closed: string[] = [];
  const source: BodySource = async function* (entry: PlacedEntry, start: number) {
    asked.push([entry.path, start]);
    const body = bodies.get(String(entry.gridfsId))!;
    try {
      for (let at = start; at < body.length; at += 7000) {
        const piece = body.subarray(at, Math.min(at + 7000, body.length));
        handed.bytes += piece.length;
        yield piece;
      }
    } finally {
      closed.push(entry.path);
    }
  };
  return { source, asked, handed, closed };
}

/** A destination that keeps what it is given, taking each chunk after `delayMs` (0: at once). */
function collector(opts: { highWaterMark?: number; delayMs?: number; onWrite?: (total: number) => void } = {}): Writable & { bytes: () => Promise<Buffer> } {
  const parts: Buffer[] = [];
  let total = 0;
  const w = new Writable({
    highWaterMark: opts.highWaterMark ?? 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      parts.push(Buffer.from(chunk));
      total += chunk.length;
      opts.onWrite?.(total);
      if (opts.delayMs) setTimeout(cb, opts.delayMs);
      else cb();
    },
  });
  // What it holds once all it was given is written.
  const bytes = (): Promise<Buffer> => new Promise((resolve) => w.end(() => resolve(Buffer.concat(parts))));
  return Object.assign(w, { bytes });
}

async function archiveBytes(l: ArchiveLayout, range?: { start: number; end: number }): Promise<Buffer> {
  const out = collector();
  await writeArchive(l, range, recordingSource().source, out);
  return out.bytes();
}

/** tar-stream's own archive of the entries, each body given whole. */
async function referenceArchive(): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of layout.entries) pack.entry(tarHeader(e), bodies.get(String(e.gridfsId))!);
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const chunk of pack) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

describe('writeArchive', () => {
  it("writes exactly tar-stream's archive of the entries, as long as the layout says", async () => {
    const full = await archiveBytes(layout);
    assert.equal(full.length, layout.size);
    assert.ok(full.equals(await referenceArchive()));
  });

  it('puts every header and body where the layout says, and tar-stream reads the names, sizes and mtimes back', async () => {
    const full = await archiveBytes(layout);
    const read: Array<[string, number, number, number]> = [];
    const extract = tar.extract();
    const done = (async () => {
      for await (const entry of extract) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(Buffer.from(c as Uint8Array));
        read.push([entry.header.name, entry.header.size, entry.header.mtime.getTime() / 1000, entry.header.mode]);
        const placed = layout.entries[read.length - 1]!;
        assert.ok(Buffer.concat(chunks).equals(full.subarray(placed.dataOffset, placed.dataOffset + placed.size)), placed.path);
        assert.ok(Buffer.concat(chunks).equals(bodies.get(String(placed.gridfsId))!), placed.path);
      }
    })();
    extract.end(full);
    await done;
    assert.deepEqual(read, layout.entries.map((e) => [e.path, e.size, e.mtime, 0o644]));
  });

  it("gives from any position exactly the full archive's tail, and never reads a body that ends before it", async () => {
    const full = await archiveBytes(layout);
    const positions = new Set<number>([0, layout.trailerOffset, layout.trailerOffset + 1, layout.size - 1]);
    for (const e of layout.entries) {
      for (const p of [e.offset, e.offset + 1, e.offset + 100, e.dataOffset - 1, e.dataOffset, e.dataOffset + 1, e.dataOffset + Math.floor(e.size / 2), e.end - 1]) positions.add(p);
    }
    for (const start of positions) {
      const { source, asked } = recordingSource();
      const out = collector();
      await writeArchive(layout, { start, end: layout.size - 1 }, source, out);
      assert.ok((await out.bytes()).equals(full.subarray(start)), `from ${start}`);
      const before = layout.entries.filter((e) => e.end <= start).map((e) => e.path);
      assert.deepEqual(asked.filter(([path]) => before.includes(path)), [], `from ${start}: no body wholly before it is read`);
      const within = layout.entries.find((e) => e.offset <= start && start < e.end && start > e.dataOffset && start < e.dataOffset + e.size);
      if (within) assert.deepEqual(asked[0], [within.path, start - within.dataOffset], `from ${start}: its body is read from there`);
    }
  });

  it('gives a bounded range exactly, and stops reading after it', async () => {
    const full = await archiveBytes(layout);
    const e = layout.entries[6]!;
    const { source, asked, closed } = recordingSource();
    const out = collector();
    await writeArchive(layout, { start: e.offset + 3, end: e.dataOffset + 2 }, source, out);
    assert.ok((await out.bytes()).equals(full.subarray(e.offset + 3, e.dataOffset + 3)));
    assert.deepEqual(asked.map(([path]) => path), [e.path], 'nothing past the range is read');
    assert.deepEqual(closed, [e.path], 'the body read is closed');
  });

  it('reads the bodies only as fast as a slow destination takes the archive', async () => {
    const big: ArchiveEntry = { run: 0, path: 'results/big.vec', gridfsId: new ObjectId(), size: 3_000_000, mtime: 0 };
    bodies.set(String(big.gridfsId), bodyOf(99, big.size));
    const { source, handed } = recordingSource();
    let ahead = 0;
    const out = collector({ highWaterMark: 8 * 1024, delayMs: 1, onWrite: (total) => (ahead = Math.max(ahead, handed.bytes - total)) });
    await writeArchive(archiveLayout([big]), undefined, source, out);
    assert.equal((await out.bytes()).length, archiveLayout([big]).size);
    assert.ok(ahead < 128 * 1024, `read at most ${ahead} bytes ahead of the destination`);
  });

  it('stops with DownloadStopped and closes the body it reads when the destination goes away', async () => {
    const { source, closed } = recordingSource();
    const out = collector({ onWrite: (total) => total > 600 && out.destroy() });
    await assert.rejects(writeArchive(layout, undefined, source, out), DownloadStopped);
    assert.ok(closed.length > 0 && closed.length < layout.entries.length, `closed ${closed.join(', ')}`);
  });

  it("fails with a body source's error, and leaves no error unhandled", async () => {
    const failing: BodySource = async function* (entry) {
      yield new Uint8Array(Math.min(entry.size, 10));
      throw new Error(`the store lost ${entry.path}`);
    };
    const out = collector();
    await assert.rejects(writeArchive(layout, undefined, failing, out), /the store lost/);
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('fails when the bytes do not end where the layout says', async () => {
    const wrong = { ...layout, size: layout.size + 512 };
    await assert.rejects(archiveBytes(wrong), /layout at/);
  });
});
