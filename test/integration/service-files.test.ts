// The results service's file downloads (service/files/) against the stack's
// MongoDB-wire server, through a real node:http server: result files stored
// as the runner stores them (beginAttempt, recordSuccess), a campaign's 500
// files as one tar archive that Python's tarfile extracts to exactly the
// stored files (a file the store lost left out and named in a header), resumes from any offset giving exactly the archive's tail,
// a 20 MB file by ranges, and a serving process whose peak memory stays far
// below what it serves. Node: none (no pods).
//
// The 20 MB file lives in a database of its own: the stack's FerretDB scans
// a whole collection for any query not on _id alone, so with it beside the
// 500 small files every one of their chunk queries would read its 20 MB.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GridFSBucket, MongoClient, type Db } from 'mongodb';
import { MISSING_FILES_HEADER, parseMissingFiles } from '../../api/results.ts';
import { beginAttempt } from '../../lib/store/attempts.ts';
import { CHUNK_SIZE } from '../../lib/store/gridfs.ts';
import { ensureIndexes, RESULTS_BUCKET, runId, runsOf } from '../../lib/store/store.ts';
import { recordSuccess } from '../../lib/store/success.ts';
import { WINDOW_BYTES } from '../../service/files/stored.ts';
import { startFilesServer } from '../support/files-server.ts';
import { useStack } from '../stack/env.ts';

const CHILD = fileURLToPath(new URL('../support/files-server-child.ts', import.meta.url));
const BIG = 20 * 1024 * 1024;
const [A, B, C] = ['uid-a', 'uid-b', 'uid-c'];

let client: MongoClient;
let small: Db;
let big: Db;
let dir: string;
let server: { url: string; close: () => Promise<void> };
let mongoUri: string;
/** Path in the archive -> stored bytes, of the archive of [A, B]. */
const expected = new Map<string, Buffer>();
let bigBytes: Buffer;

/** The names a run's ten files get: OMNeT++'s, with iteration variables (some over 100 bytes), subfolders, a non-ASCII one, an empty one. */
function runFiles(run: number, tag: string): Array<{ name: string; data: Buffer }> {
  const base = `General-numHosts=${10 + (run % 5)},iaMean=exponential(${(run % 3) + 1}s),pkLenBits=952b,slotTime=${(run % 2) * 100}ms,txRate=9600bps-#${run}`;
  const names = [`${base}.sca`, `${base}.vec`, `${base}.vci`, `General-#${run}.out`, `Aloha/${base}.sca`, `Aloha/${base}.vec`, `Aloha/deep/er/${base}.elog`, `Größe-#${run}.sca`, `${'L'.repeat(120)}-#${run}.sca`, `empty-#${run}.txt`];
  return names.map((name, i) => ({ name, data: i === 9 ? Buffer.alloc(0) : Buffer.concat([Buffer.from(`${tag} ${run} ${name}\n`), randomBytes((run * 37 + i * 211) % 3000)]) }));
}

/** Stores a successful attempt of `run` with `files`, as the runner does. */
async function storeRun(db: Db, uid: string, run: number, files: Array<{ name: string; data: Buffer }>): Promise<void> {
  const local = [];
  for (const [i, f] of files.entries()) {
    const path = join(dir, uid, String(run), String(i));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.data);
    local.push({ path, name: f.name });
  }
  const begun = await beginAttempt(db, uid, run, 'pod-1', 3);
  assert.equal(begun.state, 'run');
  const result = { campaignUid: uid, run, attempt: 1, token: begun.token, runnerPod: 'pod-1', reason: 'Succeeded' as const, exitCode: 0, signal: null, elapsedMs: 5 };
  assert.deepEqual(await recordSuccess(db, { ...result, files: local, iterationVars: {}, scalars: [] }), { won: true });
}

before(async () => {
  const stack = await useStack();
  mongoUri = stack.mongo.uri;
  client = new MongoClient(mongoUri);
  await client.connect();
  const tag = randomBytes(4).toString('hex');
  [small, big] = [client.db(`files_small_${tag}`), client.db(`files_big_${tag}`)];
  await Promise.all([ensureIndexes(small), ensureIndexes(big)]);
  dir = await mkdtemp(join(tmpdir(), 'service-files-'));
  for (let run = 0; run < 50; run++) {
    const files = runFiles(run, 'a');
    await storeRun(small, A, run, files);
    if (run >= 5) for (const f of files) expected.set(`results/${f.name}`, f.data);
  }
  // A rerun that completes A: its successes of runs 0-4 win over A's.
  for (let run = 0; run < 5; run++) {
    const files = runFiles(run, 'b');
    await storeRun(small, B, run, files);
    for (const f of files) expected.set(`results/${f.name}`, f.data);
  }
  bigBytes = randomBytes(BIG);
  await storeRun(big, C, 0, [{ name: 'General-#0.vec', data: bigBytes }]);
  server = await startFilesServer(client);
});

after(async () => {
  await server?.close();
  await small?.dropDatabase().catch(() => undefined);
  await big?.dropDatabase().catch(() => undefined);
  await client?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET (or HEAD) read whole; `throttle` reads the body slowly, a pause per chunk. */
function request(url: string, headers: Record<string, string> = {}, opts: { method?: string; throttle?: boolean } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers, method: opts.method ?? 'GET' }, (res) => {
      (async () => {
        const parts: Buffer[] = [];
        for await (const chunk of res) {
          parts.push(chunk as Buffer);
          if (opts.throttle) await sleep(1);
        }
        if (!res.complete) throw new Error(`${url}: the response broke off`);
        return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) };
      })().then(resolve, reject);
    });
    req.on('error', reject);
  });
}

/** The status and headers of a GET, its body left unread. */
function responseHead(url: string, headers: Record<string, string>): Promise<Omit<Got, 'body'>> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      req.destroy();
    });
    req.on('error', () => undefined);
    req.on('close', () => reject(new Error(`${url}: no response`)));
  });
}

const archiveUrl = (base: string): string => `${base}/${small.databaseName}/archive?sources=${A},${B}`;
const bigArchiveUrl = (base: string): string => `${base}/${big.databaseName}/archive?sources=${C}`;
const bigFileUrl = (base: string): string => `${base}/${big.databaseName}/file/${C}/0/0`;

interface Member {
  name: string;
  offset: number;
  offset_data: number;
  size: number;
  sha256: string;
}

/** Python's tarfile on an archive: extracts it (the `data` filter refuses paths out of the folder) and lists its members with their offsets. */
function pythonExtract(archive: string, into: string): Member[] {
  const script = [
    'import hashlib, json, sys, tarfile',
    'with tarfile.open(sys.argv[1]) as t:',
    '    members = t.getmembers()',
    "    t.extractall(sys.argv[2], filter='data')",
    '    print(json.dumps([dict(name=m.name, offset=m.offset, offset_data=m.offset_data, size=m.size,',
    '        sha256=hashlib.sha256(t.extractfile(m).read()).hexdigest()) for m in members]))',
  ].join('\n');
  const py = spawnSync('python3', ['-c', script, archive, into], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(py.status, 0, py.stderr);
  return JSON.parse(py.stdout) as Member[];
}

async function filesUnder(root: string): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) found.set(relative(root, join(entry.parentPath, entry.name)), await readFile(join(entry.parentPath, entry.name)));
  }
  return found;
}

let full: Buffer;
let members: Member[];
let etag: string;

describe('result file downloads', () => {
  it("serves a campaign's 500 files as one tar archive that Python extracts to exactly the stored files and names", async () => {
    const got = await request(archiveUrl(server.url));
    assert.equal(got.status, 200);
    assert.equal(got.headers['content-length'], String(got.body.length));
    assert.equal(got.headers['accept-ranges'], 'bytes');
    assert.equal(got.headers['content-type'], 'application/x-tar');
    assert.match(String(got.headers.etag), /^"[^"]+"$/, 'a strong ETag');
    [full, etag] = [got.body, String(got.headers.etag)];
    const archive = join(dir, 'campaign.tar');
    await writeFile(archive, full);
    members = pythonExtract(archive, join(dir, 'extracted'));
    assert.equal(members.length, 500);
    const extracted = await filesUnder(join(dir, 'extracted'));
    assert.deepEqual([...extracted.keys()].sort(), [...expected.keys()].sort());
    for (const [name, data] of expected) assert.ok(extracted.get(name)?.equals(data), name);
    assert.ok(members.some((m) => Buffer.byteLength(m.name) > 100), 'names over 100 bytes are among them');
  });

  it('leaves a file the store lost out of the archive, names it in a header and serves the others', async () => {
    const D = 'uid-d';
    const stored = new Map<string, Buffer>();
    for (const run of [0, 1]) {
      const files = runFiles(run, 'd');
      await storeRun(small, D, run, files);
      for (const f of files) stored.set(`results/${f.name}`, f.data);
    }
    const lost = (await runsOf(small).findOne({ _id: runId(D, 0) }))?.resultFiles?.[1];
    await new GridFSBucket(small, { bucketName: RESULTS_BUCKET }).delete(lost!.gridfsId);
    stored.delete(`results/${lost!.name}`);
    const got = await request(`${server.url}/${small.databaseName}/archive?sources=${D}`);
    assert.equal(got.status, 200);
    assert.deepEqual(parseMissingFiles(String(got.headers[MISSING_FILES_HEADER])), { count: 1, files: [{ run: 0, name: lost!.name }] });
    const archive = join(dir, 'lost.tar');
    await writeFile(archive, got.body);
    pythonExtract(archive, join(dir, 'lost'));
    const extracted = await filesUnder(join(dir, 'lost'));
    assert.deepEqual([...extracted.keys()].sort(), [...stored.keys()].sort(), 'every other file');
    for (const [name, data] of stored) assert.ok(extracted.get(name)?.equals(data), name);
  });

  it('answers HEAD with the length and ETag of the archive and no body', async () => {
    const head = await request(archiveUrl(server.url), {}, { method: 'HEAD' });
    assert.deepEqual([head.status, head.headers['content-length'], head.headers.etag, head.body.length], [200, String(full.length), etag, 0]);
  });

  it("resumes from inside a header, inside a body, at an entry boundary and at the last byte with exactly the archive's tail", async () => {
    // Late in the archive, since a resume reads every file after its start (each costs the test server a scan).
    const late = members.slice(450);
    const long = late.find((m) => m.offset_data - m.offset > 512)!;
    const sized = late.filter((m) => m.size > 1000);
    const offsets = [long.offset + 700, sized[0]!.offset_data + 501, members[470]!.offset, members[499]!.offset, full.length - 1024, full.length - 1];
    for (const start of offsets) {
      const got = await request(archiveUrl(server.url), { Range: `bytes=${start}-`, 'If-Range': etag });
      assert.equal(got.status, 206, `from ${start}`);
      assert.equal(got.headers['content-range'], `bytes ${start}-${full.length - 1}/${full.length}`);
      assert.equal(got.headers['content-length'], String(full.length - start));
      assert.ok(got.body.equals(full.subarray(start)), `the tail from ${start}`);
    }
    const [first, last] = [members[100]!.offset_data - 3, members[104]!.offset_data + 10];
    const closed = await request(archiveUrl(server.url), { Range: `bytes=${first}-${last}` });
    assert.ok(closed.body.equals(full.subarray(first, last + 1)), 'a closed range');
    const stale = await responseHead(archiveUrl(server.url), { Range: 'bytes=1000-', 'If-Range': '"tar-stale"' });
    assert.deepEqual([stale.status, stale.headers['content-length']], [200, String(full.length)], 'a resume of another version starts over');
  });

  it('answers 416 for a range that starts at or past the end', async () => {
    for (const start of [full.length, full.length + 5000]) {
      const got = await request(archiveUrl(server.url), { Range: `bytes=${start}-` });
      assert.equal(got.status, 416);
      assert.equal(got.headers['content-range'], `bytes */${full.length}`);
      assert.equal(JSON.parse(got.body.toString()).code, 416);
    }
  });

  it('serves the 20 MB file whole and by ranges across chunk and window boundaries', async () => {
    const whole = await request(bigFileUrl(server.url));
    assert.equal(whole.status, 200);
    assert.ok(whole.body.equals(bigBytes));
    assert.match(String(whole.headers.etag), /^"[^"]+"$/);
    const ranges: Array<[number, number]> = [
      [0, 0],
      [CHUNK_SIZE - 5, CHUNK_SIZE + 5],
      [WINDOW_BYTES - 10, 2 * WINDOW_BYTES + 10],
      [15_000_001, BIG - 1],
      [BIG - 1, BIG - 1],
    ];
    for (const [start, end] of ranges) {
      const got = await request(bigFileUrl(server.url), { Range: `bytes=${start}-${end === BIG - 1 ? '' : end}` });
      assert.equal(got.status, 206);
      assert.equal(got.headers['content-range'], `bytes ${start}-${end}/${BIG}`);
      assert.ok(got.body.equals(bigBytes.subarray(start, end + 1)), `bytes ${start}-${end}`);
    }
    const past = await request(bigFileUrl(server.url), { Range: `bytes=${BIG}-` });
    assert.equal(past.status, 416);
  });

  it('serves the 20 MB file four times at once and the archives beside it from a process whose peak memory grows by far less', async () => {
    const child = startChild();
    try {
      const url = JSON.parse(await firstLine(child)).url as string;
      // Warm up every code path, so that the peak measured next is the downloads' own.
      await request(bigFileUrl(url), { Range: 'bytes=0-2000000' });
      await request(archiveUrl(url), { Range: 'bytes=-300000' });
      await request(bigArchiveUrl(url), { Range: 'bytes=-2000000' });
      writeFileSync(`/proc/${child.pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
      const baseline = status(child.pid!, 'VmHWM');
      const urls = [bigFileUrl(url), bigFileUrl(url), bigFileUrl(url), bigFileUrl(url), archiveUrl(url), bigArchiveUrl(url)];
      const served = await Promise.all(urls.map((u) => request(u, {}, { throttle: true })));
      const growth = status(child.pid!, 'VmHWM') - baseline;
      for (const got of served.slice(0, 4)) assert.ok(got.body.equals(bigBytes), 'the bytes served are right');
      if (full) assert.ok(served[4]!.body.equals(full), 'the same archive as the first request: its bytes are deterministic');
      assert.equal(served[5]!.body.subarray(512, 512 + BIG).compare(bigBytes), 0);
      const bytes = served.reduce((n, g) => n + g.body.length, 0);
      console.log(`peak RSS growth ${(growth / 2 ** 20).toFixed(1)} MiB while serving ${(bytes / 2 ** 20).toFixed(1)} MiB at once`);
      // Each download holds about a window (WINDOW_BYTES, 1 MiB) of a stored file, as the
      // wire message and as its chunks; the rest is the garbage collector's slack, which
      // reached 28 MiB in sequential runs. Holding the bodies (no backpressure) or the
      // driver's 16 MiB batches (no windows) would take 80 MiB or more.
      assert.ok(growth < bytes / 2, `peak RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB`);
    } finally {
      child.stdin?.end();
    }
  });

  it('reads no stored file wholly before a resume point, and the file it starts in from there on', async () => {
    const start = members[300]!.offset_data + 17;
    const before = members.filter((m) => m.offset_data + Math.ceil(m.size / 512) * 512 <= start).map((m) => m.name);
    const ids = (await runsOf(small).find({}).toArray()).flatMap((r) => (r.resultFiles ?? []).filter((f) => before.includes(`results/${f.name}`) && chosen(r.campaignUid, r.run)).map((f) => f.gridfsId));
    assert.equal(ids.length, 300);
    await small.collection(`${RESULTS_BUCKET}.chunks`).deleteMany({ files_id: { $in: ids } });
    const got = await request(archiveUrl(server.url), { Range: `bytes=${start}-` });
    assert.ok(got.body.equals(full.subarray(start)), 'the tail, without the deleted chunks');
    await assert.rejects(request(archiveUrl(server.url)), 'the whole archive now breaks off: the chunks were needed');

    const bigFull = (await request(bigArchiveUrl(server.url))).body;
    const at = 512 + 17 * CHUNK_SIZE + 100;
    const bigId = (await runsOf(big).findOne({ _id: runId(C, 0) }))!.resultFiles![0]!.gridfsId;
    await big.collection(`${RESULTS_BUCKET}.chunks`).deleteMany({ files_id: bigId, n: { $lt: 17 } });
    const tail = await request(bigArchiveUrl(server.url), { Range: `bytes=${at}-` });
    assert.ok(tail.body.equals(bigFull.subarray(at)), 'the tail from chunk 17 of the 20 MB file on');
  });
});

/** Whether the archive of [A, B] takes run `run` from `uid`. */
function chosen(uid: string, run: number): boolean {
  return uid === B || run >= 5;
}

function startChild(): ChildProcess {
  return spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD], {
    env: { ...process.env, INETSWARM_TEST_MONGO_URI: mongoUri },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

async function firstLine(child: ChildProcess): Promise<string> {
  for await (const line of createInterface({ input: child.stdout! })) return line;
  throw new Error('the files server exited before it listened');
}

/** A figure of /proc/<pid>/status, in bytes. */
function status(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return Number(/(\d+)\s*kB/.exec(line ?? '')?.[1]) * 1024;
}
