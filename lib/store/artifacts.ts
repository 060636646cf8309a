// Build artifacts: the runtime tree of a build packed as one tar.gz, stored in
// the GridFS bucket `artifacts` under its sha256 digest, fetched once per
// cache directory (node or pod) and verified while downloading. A partial or
// corrupt download is never used: it lands in a temporary file, is checked,
// extracted into a temporary folder and only then renamed into place.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GridFSBucket, MongoError, type Db } from 'mongodb';
import { PermanentError, TemporaryError } from '../errors.ts';
import type { ArtifactCheck } from './builds.ts';

export const ARTIFACTS_BUCKET = 'artifacts';

/** Default exclusions of a runtime tree (InetBuild `artifact.exclude`). */
export const DEFAULT_ARTIFACT_EXCLUDE = ['.git', 'out', '*.o'];

const DIGEST = /^sha256:([0-9a-f]{64})$/;

function bucket(db: Db): GridFSBucket {
  return new GridFSBucket(db, { bucketName: ARTIFACTS_BUCKET });
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`))));
  });
}

/** Packs `srcDir` into a gzip-compressed tar at `outFile`, leaving out the `exclude` patterns (tar --exclude syntax). */
export async function packRuntimeTree(srcDir: string, outFile: string, exclude: readonly string[] = DEFAULT_ARTIFACT_EXCLUDE): Promise<void> {
  // Sorted names and fixed owner make the archive depend on the content rather than on the build host.
  const args = ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', ...exclude.map((e) => `--exclude=${e}`), '-czf', outFile, '-C', srcDir, '.'];
  await run('tar', args);
}

/** sha256 of a file as `sha256:<hex>`. */
export async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest('hex')}`;
}

/** Who stored an artifact: the namespace and uid of the build whose builder uploaded it. */
export interface ArtifactOrigin {
  namespace: string;
  build: string;
}

/**
 * Uploads an archive under its digest, noting its origin; a digest this
 * namespace already stored is not uploaded again (a rebuild of a revision
 * reuses it), one stored by another namespace is (the operator accepts only
 * an artifact of the build's own namespace).
 */
export async function uploadArtifact(db: Db, file: string, origin?: ArtifactOrigin): Promise<{ digest: string; size: number }> {
  const digest = await fileDigest(file);
  const { size } = await stat(file);
  const existing = await db.collection(`${ARTIFACTS_BUCKET}.files`).findOne({ filename: digest, length: size, ...(origin ? { 'metadata.namespace': origin.namespace } : {}) });
  if (existing) return { digest, size };
  const upload = bucket(db).openUploadStream(digest, { metadata: { digest, size, ...(origin ? { namespace: origin.namespace, build: origin.build } : {}) } });
  await pipeline(createReadStream(file), upload);
  return { digest, size };
}

/**
 * Checks, without trusting the builder's word, that the artifact `claim`
 * names was stored by a build of `namespace` with exactly the claimed size
 * and content: reads it back and hashes it (once per build, by the
 * operator, before the build may succeed). TemporaryError when the store
 * cannot be read.
 */
export async function verifyStoredArtifact(db: Db, claim: { digest: string; size: number }, namespace: string): Promise<ArtifactCheck> {
  const m = DIGEST.exec(claim.digest);
  if (!m) return { verified: false, problem: `The artifact digest ${JSON.stringify(claim.digest)} is malformed` };
  try {
    const file = await db.collection(`${ARTIFACTS_BUCKET}.files`).findOne({ filename: claim.digest, 'metadata.namespace': namespace }, { sort: { uploadDate: 1 } });
    if (!file) return { verified: false, problem: `No artifact ${claim.digest} was stored by a build of namespace ${namespace}` };
    if (file.length !== claim.size) return { verified: false, problem: `Artifact ${claim.digest} has ${String(file.length)} bytes, the builder claimed ${claim.size}` };
    const hash = createHash('sha256');
    await pipeline(bucket(db).openDownloadStream(file._id), hash);
    const actual = hash.digest('hex');
    if (actual !== m[1]) return { verified: false, problem: `Artifact ${claim.digest} as stored has digest sha256:${actual}` };
    return { verified: true };
  } catch (err) {
    throw new TemporaryError(`Artifact ${claim.digest} could not be verified: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Returns the folder holding the extracted artifact `digest`, downloading it
 * into `cacheDir` first if needed. Throws PermanentError for a malformed,
 * missing or corrupt digest, TemporaryError when the store cannot be read.
 */
export async function fetchArtifact(db: Db, digest: string, cacheDir: string): Promise<string> {
  const m = DIGEST.exec(digest);
  if (!m) throw new PermanentError(`Artifact digest ${JSON.stringify(digest)} is malformed: expected sha256:<64 hex digits>`);
  const hex = m[1]!;
  const finalDir = join(cacheDir, hex);
  // The final folder only ever appears by rename of a complete extraction.
  if (await stat(finalDir).then((s) => s.isDirectory(), () => false)) return finalDir;
  await mkdir(cacheDir, { recursive: true });

  let file;
  try {
    file = await db.collection(`${ARTIFACTS_BUCKET}.files`).findOne({ filename: digest }, { sort: { uploadDate: 1 } });
  } catch (err) {
    throw new TemporaryError(`Artifact ${digest} could not be looked up: ${(err as Error).message}`, { cause: err });
  }
  if (!file) throw new PermanentError(`Artifact ${digest} does not exist in the ${ARTIFACTS_BUCKET} bucket`);

  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmpFile = join(cacheDir, `.download-${hex}-${tag}.tar.gz`);
  const tmpDir = join(cacheDir, `.extract-${hex}-${tag}`);
  try {
    const hash = createHash('sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(bucket(db).openDownloadStream(file._id), hashing, createWriteStream(tmpFile));
    } catch (err) {
      if (err instanceof MongoError || (err as Error).name?.startsWith('Mongo')) {
        throw new TemporaryError(`Artifact ${digest} download failed: ${(err as Error).message}`, { cause: err });
      }
      throw err;
    }
    const actual = hash.digest('hex');
    if (actual !== hex) throw new PermanentError(`Artifact ${digest} is corrupt: its content has digest sha256:${actual}`);
    await mkdir(tmpDir);
    try {
      await run('tar', ['-xzf', tmpFile, '-C', tmpDir]);
    } catch (err) {
      throw new PermanentError(`Artifact ${digest} could not be extracted: ${(err as Error).message}`, { cause: err });
    }
    try {
      await rename(tmpDir, finalDir);
    } catch (err) {
      // Another process on this node finished first: use its copy.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
    return finalDir;
  } finally {
    await rm(tmpFile, { force: true });
    await rm(tmpDir, { recursive: true, force: true });
  }
}
