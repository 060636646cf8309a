// A private Docker daemon (Debian's docker.io) as a plain child process: its
// data, state, pid file and socket all live under one folder, so that it needs
// no system service and leaves nothing behind elsewhere. It has no bridge and
// touches no iptables rules: builds use the host's network, test containers none.
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { ManagedProcess, StackServerError } from '../process.ts';
import { ensureDebianPackages } from '../system-packages.ts';

/** Debian's docker CLI: /usr/local/bin may hold a newer one that needs the buildx plugin for BuildKit builds. */
export const DOCKER_CLI = '/usr/bin/docker';

/** The Debian packages a private daemon and its builds need. */
export const DOCKER_PACKAGES = ['docker.io', 'containerd', 'runc'];

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Dockerd {
  /** `unix://<dir>/docker.sock`, for DOCKER_HOST. */
  host: string;
  /** The environment a docker CLI or make needs to reach this daemon with BuildKit. */
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** Runs the docker CLI against this daemon; never throws on a non-zero exit. */
  docker(args: string[], options?: { input?: NodeJS.ReadableStream; logFile?: string }): Promise<DockerResult>;
  stop(): Promise<void>;
}

/** Runs a command with its output collected (and appended to `logFile` when given). */
export function runCommand(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: NodeJS.ReadableStream; logFile?: string } = {},
): Promise<DockerResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    if (options.input) options.input.pipe(child.stdin);
    else child.stdin.end();
    child.once('error', (error) => resolve({ code: -1, stdout, stderr: stderr + String(error) }));
    child.once('close', async (code) => {
      if (options.logFile) {
        const { appendFile } = await import('node:fs/promises');
        await appendFile(options.logFile, `$ ${command} ${args.join(' ')}\n${stdout}${stderr}\n`).catch(() => undefined);
      }
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/**
 * Stops a daemon an earlier process started on this folder and left running
 * (it died without stopping it): dockerd refuses to start on a live pid file.
 * Only a dockerd whose command line names this folder is signalled.
 */
async function stopLeftover(dir: string): Promise<void> {
  const pid = Number(await readFile(join(dir, 'dockerd.pid'), 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 0) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.startsWith('dockerd') || !cmdline.includes(join(dir, 'data'))) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')) !== ''; i++) await sleep(200);
}

/**
 * Starts dockerd with everything under `dir` (kept short: the socket path of
 * its containerd must fit in 108 bytes) and waits until it answers.
 */
export async function startDockerd(opts: { dir: string; log?: (line: string) => void }): Promise<Dockerd> {
  await ensureDebianPackages(DOCKER_PACKAGES, opts.log);
  await mkdir(opts.dir, { recursive: true });
  await stopLeftover(opts.dir);
  const socket = join(opts.dir, 'docker.sock');
  const host = `unix://${socket}`;
  const logFile = join(opts.dir, 'dockerd.log');
  const proc = ManagedProcess.start({
    name: 'dockerd',
    command: 'dockerd',
    args: [
      '--data-root', join(opts.dir, 'data'),
      '--exec-root', join(opts.dir, 'exec'),
      '--pidfile', join(opts.dir, 'dockerd.pid'),
      '--host', host,
      '--bridge=none', '--iptables=false', '--ip-forward=false', '--ip-masq=false',
      '--storage-driver=overlay2',
    ],
    logFile,
  });
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '1' };
  const docker: Dockerd['docker'] = (args, options = {}) => runCommand(DOCKER_CLI, args, { env, ...options });
  try {
    await proc.waitReady(async () => (await docker(['version', '--format', '{{.Server.Version}}'])).code === 0, 60_000, 250);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  const stop = async (): Promise<void> => {
    await proc.stop(15_000);
    await unmountUnder(opts.dir);
  };
  return { host, env, logFile, docker, stop };
}

/**
 * Unmounts what a stopped daemon left mounted under `dir` (the network
 * namespace it keeps in its exec root), so that the folder can be removed.
 */
export async function unmountUnder(dir: string): Promise<void> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const points = mounts.split('\n').map((line) => line.split(' ')[4] ?? '').filter((p) => p.startsWith(`${dir}/`));
  // Deepest first: an inner mount keeps its parent busy.
  for (const point of points.sort((a, b) => b.length - a.length)) await runCommand('umount', ['-l', point]);
}

/** Throws a StackServerError naming the docker command when it failed. */
export async function checked(what: string, result: Promise<DockerResult>, args: string[]): Promise<string> {
  const r = await result;
  if (r.code !== 0) throw new StackServerError(what, `docker ${args.join(' ')}`, `${r.stdout}${r.stderr}`.trimEnd().split('\n').slice(-30).join('\n'), `failed (exit ${r.code})`);
  return r.stdout;
}
