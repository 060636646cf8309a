// Slow builds (the Kubernetes control plane, kwok, nats-server, FerretDB) are
// cached outside the work tree, keyed by a hash of their inputs, so that a
// fresh clone on the same machine starts the stack in seconds.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { StackServerError, logTail } from './process.ts';

/** The cache root: $INETSWARM_CACHE, else $XDG_CACHE_HOME/inet-swarm, else ~/.cache/inet-swarm. */
export function cacheRoot(): string {
  return (
    process.env.INETSWARM_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'inet-swarm')
  );
}

/** A short, stable hash of some files' contents and extra strings. */
export async function inputsKey(files: string[], extra: string[] = []): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) hash.update(await readFile(file));
  for (const item of extra) hash.update(item);
  return hash.digest('hex').slice(0, 16);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export interface CachedBuild {
  /** Name of the binary, used in the cache path, logs and errors. */
  name: string;
  /** Cache key from `inputsKey`. */
  key: string;
  /** Runs the build, writing the binary to `output`. Returns [command, args, cwd, env]. */
  command: (output: string) => { command: string; args: string[]; cwd: string; env?: NodeJS.ProcessEnv };
  /** Called with progress lines (e.g. "building kube control plane, this takes minutes"). */
  onProgress?: (line: string) => void;
}

/**
 * Returns the path of a cached binary, building it first when the cache has
 * none for this key. The build writes to a temporary name and is renamed into
 * place, so an interrupted build is never mistaken for a finished one.
 */
export async function cachedBinary(build: CachedBuild): Promise<string> {
  const dir = join(cacheRoot(), 'bin');
  const target = join(dir, `${build.name}-${build.key}`);
  if (await exists(target)) return target;
  await mkdir(dir, { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  const logFile = join(dir, `${build.name}-${build.key}.build.log`);
  const { command, args, cwd, env } = build.command(partial);
  build.onProgress?.(`Building ${build.name} (cached afterwards in ${dir}); log: ${logFile}`);
  const code = await new Promise<number>((resolve) => {
    const log = createWriteStream(logFile);
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('error', () => resolve(-1));
    child.once('exit', (c) => {
      log.end();
      resolve(c ?? -1);
    });
  });
  if (code !== 0) {
    await rm(partial, { force: true });
    throw new StackServerError(build.name, [command, ...args].join(' '), await logTail(logFile), `failed to build (exit ${code})`);
  }
  await rename(partial, target);
  return target;
}

export interface GoInstall {
  /** Binary name, as `go install` writes it and as cached. */
  name: string;
  key: string;
  /** Package path with version, e.g. `sigs.k8s.io/kwok/cmd/kwok@v0.8.0`. */
  pkg: string;
  /** Extra `go install` flags, e.g. `['-trimpath', '-ldflags=-s -w']`. */
  flags?: string[];
  env?: NodeJS.ProcessEnv;
  onProgress?: (line: string) => void;
}

/**
 * A tool built with `go install pkg@version` (the module proxy is the only
 * source we have) into a private GOBIN, then cached like any other binary.
 */
export function goInstalledBinary(install: GoInstall): Promise<string> {
  return cachedBinary({
    name: install.name,
    key: install.key,
    onProgress: install.onProgress,
    command: (output) => ({
      command: 'sh',
      args: [
        '-c',
        'set -e; export GOBIN="$(mktemp -d)"; name="$1"; out="$2"; shift 2; go install "$@"; mv "$GOBIN/$name" "$out"; rmdir "$GOBIN"',
        'sh',
        install.name,
        output,
        ...(install.flags ?? []),
        install.pkg,
      ],
      // Outside any module, so that `go install pkg@version` uses the package's own go.mod.
      cwd: tmpdir(),
      env: { ...process.env, ...install.env },
    }),
  });
}
