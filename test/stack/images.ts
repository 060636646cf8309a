// The container images of the test stack: the operator, runner-base,
// builder-base and distccd images of images/ (built through the same make
// targets users run, from local bases instead of the public ones); a real
// node makes its own pause image (node/image.sh). Each is cached as a `docker save`
// tarball keyed by a hash of its inputs (Dockerfile, the files it copies, the
// Makefile, its bases), so a second run with the same inputs starts no daemon.
import { readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { cacheRoot, inputsKey } from './cache.ts';
import { LOCAL_REGISTRY, baseKeys, ensureBaseImages, type BaseImages } from './docker/bases.ts';
import { DOCKER_CLI, checked, runCommand, startDockerd, type Dockerd } from './docker/dockerd.ts';
import { copiedSources } from './docker/inputs.ts';
import { withProcessLock } from './docker/lock.ts';
import { StackServerError } from './process.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** The images the stack builds, in build order (the small ones first). */
export const STACK_IMAGES = ['distccd', 'runner-base', 'builder-base', 'operator'] as const;
export type StackImage = (typeof STACK_IMAGES)[number];

/** Where the images, their tarballs and the build daemon's data live. */
export function imagesCacheDir(): string {
  return join(cacheRoot(), 'images');
}

async function filesUnder(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

/** The key of an image of images/: its Dockerfile and ignore file, the Makefile, every file it copies, its bases. */
async function projectImageKey(name: string, basesKey: string): Promise<string> {
  const dockerfile = join(REPO_ROOT, 'images', `Dockerfile.${name}`);
  const sources = copiedSources(await readFile(dockerfile, 'utf8'));
  const files = [dockerfile, `${dockerfile}.dockerignore`, join(REPO_ROOT, 'images', 'Makefile')];
  for (const source of sources) files.push(...(await filesUnder(join(REPO_ROOT, source))));
  // The paths too: a file renamed changes what the image holds.
  return inputsKey(files, [basesKey, ...files.map((f) => relative(REPO_ROOT, f))]);
}

async function imageKey(name: StackImage, basesKey: string): Promise<string> {
  return projectImageKey(name, basesKey);
}

export interface PlannedImage {
  name: StackImage;
  ref: string;
  tarball: string;
}

/** Each image's reference and tarball path, from the keys of its current inputs; nothing is built. */
export async function planImages(): Promise<PlannedImage[]> {
  const keys = await baseKeys();
  const basesKey = await inputsKey([], [keys.debian, keys.node]);
  const dir = imagesCacheDir();
  return Promise.all(
    STACK_IMAGES.map(async (name) => {
      const key = await imageKey(name, basesKey);
      return { name, ref: `${LOCAL_REGISTRY}/${name}:${key}`, tarball: join(dir, `${name}-${key}.tar`) };
    }),
  );
}


/** Builds one image of images/ through its make target, with the local bases and the daemon's CLI. */
async function buildWithMake(dockerd: Dockerd, image: PlannedImage, bases: BaseImages, logFile: string): Promise<void> {
  const tag = image.ref.slice(image.ref.lastIndexOf(':') + 1);
  const args = [
    '-C', join(REPO_ROOT, 'images'), image.name,
    `DOCKER=${DOCKER_CLI}`, 'BUILDX=build', 'PUSH_FLAG=', 'BUILD_FLAGS=--network=host --progress=plain',
    `DEBIAN_IMAGE=${bases.debian}`, `NODE_IMAGE=${bases.node}`, `NPM_CACHE=${bases.npmCache}`,
    `REGISTRY=${LOCAL_REGISTRY}`, `TAG=${tag}`,
  ];
  const result = await runCommand('make', args, { env: dockerd.env, logFile });
  if (result.code !== 0) {
    throw new StackServerError(image.name, `make ${args.join(' ')}`, `${result.stdout}${result.stderr}`.trimEnd().split('\n').slice(-30).join('\n'), `image failed to build (exit ${result.code}); log: ${logFile}`);
  }
}

async function saveImage(dockerd: Dockerd, image: PlannedImage, logFile: string): Promise<void> {
  const partial = `${image.tarball}.partial`;
  const args = ['save', '--output', partial, image.ref];
  await checked(`docker save ${image.name}`, dockerd.docker(args, { logFile }), args);
  await rename(partial, image.tarball);
}

/** Whether a file of the image cache belongs to an earlier key of one of `current`'s images. */
function isStale(file: string, current: PlannedImage[]): boolean {
  const match = /^([a-z-]+)-([0-9a-f]{16})\.tar(\..+)?$/.exec(file);
  const image = current.find((i) => i.name === match?.[1]);
  return image !== undefined && !image.tarball.endsWith(`-${match?.[2]}.tar`);
}

/** Removes the tarballs and daemon images of earlier keys of the stack's images, and build cache beyond a bound. */
async function pruneOld(dockerd: Dockerd, current: PlannedImage[]): Promise<void> {
  const dir = imagesCacheDir();
  for (const file of await readdir(dir)) if (isStale(file, current)) await rm(join(dir, file), { recursive: true, force: true });
  const listed = await dockerd.docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']);
  const ours = (ref: string): boolean => STACK_IMAGES.some((n) => ref.startsWith(`${LOCAL_REGISTRY}/${n}:`));
  const stale = listed.stdout.split('\n').filter((ref) => ours(ref) && !current.some((i) => i.ref === ref));
  if (stale.length > 0) await dockerd.docker(['image', 'rm', ...stale]);
  await dockerd.docker(['builder', 'prune', '--force', '--keep-storage', '6gb']);
}

async function buildMissing(missing: PlannedImage[], all: PlannedImage[], log: (line: string) => void): Promise<void> {
  const dir = imagesCacheDir();
  const dockerd = await startDockerd({ dir: join(dir, 'docker'), log });
  try {
    const bases = await ensureBaseImages(dockerd, dir, log);
    for (const image of missing) {
      const t = Date.now();
      const logFile = `${image.tarball}.build.log`;
      await rm(logFile, { force: true });
      log(`Building image ${image.ref} (cached afterwards in ${dir}); log: ${logFile}`);
      await buildWithMake(dockerd, image, bases, logFile);
      await saveImage(dockerd, image, logFile);
      log(`Built image ${image.name} in ${Date.now() - t} ms`);
    }
    await pruneOld(dockerd, all);
  } finally {
    await dockerd.stop();
  }
}

/**
 * Builds every image of the stack that the cache lacks and returns each
 * image's reference (`inet-swarm.local/<name>:<key>`) with the path of its
 * `docker save` tarball. One process at a time builds; the others wait and
 * then find the tarballs.
 */
export async function buildImages(log: (line: string) => void = () => {}): Promise<Record<string, string>> {
  const planned = await planImages();
  const missing = async (): Promise<PlannedImage[]> =>
    (await Promise.all(planned.map(async (i) => ((await stat(i.tarball).catch(() => undefined)) ? undefined : i)))).filter((i) => i !== undefined);
  if ((await missing()).length > 0) {
    await withProcessLock(join(imagesCacheDir(), 'build.lock'), log, async () => {
      const todo = await missing();
      if (todo.length > 0) await buildMissing(todo, planned, log);
    });
  }
  return Object.fromEntries(planned.map((i) => [i.ref, i.tarball]));
}

/** The reference of one of the stack's images in what buildImages returned. */
export function imageRef(images: Record<string, string>, name: StackImage): string {
  const ref = Object.keys(images).find((r) => r.startsWith(`${LOCAL_REGISTRY}/${name}:`));
  if (!ref) throw new Error(`No ${name} image among ${Object.keys(images).join(', ')}`);
  return ref;
}
