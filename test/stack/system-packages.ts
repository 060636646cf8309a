// Debian packages that the local stack needs (distcc, redis-server; docker.io
// and debootstrap for its images, test/stack/images.ts; chromium for the
// dashboard's browser tests, test/support/browser.ts; git and openssh-client for the builder's credential tests). A fresh
// machine of this project has none of them, so the stack installs them itself
// rather than relying on whatever a previous session left behind.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StackServerError, logTail } from './process.ts';

async function run(command: string, args: string[], logFile?: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    if (logFile) {
      const log = createWriteStream(logFile, { flags: 'a' });
      child.stdout.pipe(log, { end: false });
      child.stderr.pipe(log, { end: false });
      child.once('close', () => log.end());
    }
    child.once('error', () => resolve({ code: -1, stdout }));
    child.once('close', (code) => resolve({ code: code ?? -1, stdout }));
  });
}

/** git (with its HTTP server, git http-backend) and ssh, which the builder's credential tests run for real. */
export const GIT_PACKAGES = ['git', 'openssh-client'];

/** The browser the dashboard's tests and benchmark drive with playwright-core (Debian's build, not a download). */
export const BROWSER_PACKAGES = ['chromium'];

/** True when dpkg records the package as installed (not merely known or removed with its config kept). */
export async function debianPackageInstalled(name: string): Promise<boolean> {
  const { code, stdout } = await run('dpkg-query', ['-W', '-f=${Status}', name]);
  return code === 0 && stdout.trim() === 'install ok installed';
}

// Calls in one process are serialised: the stack starts its servers
// concurrently, and two apt-get runs would fight over the dpkg lock.
let queue: Promise<unknown> = Promise.resolve();
let listsUpdated = false;

/**
 * Installs the Debian packages that are missing (`apt-get update` once per
 * process, then `apt-get install -y --no-install-recommends`). Idempotent:
 * when `dpkg` already has them all it runs nothing. Fails with a
 * StackServerError carrying apt-get's log tail.
 */
export async function ensureDebianPackages(
  packages: string[],
  onProgress?: (line: string) => void,
): Promise<void> {
  const next = queue.then(() => install(packages, onProgress));
  queue = next.catch(() => undefined);
  return next;
}

async function install(packages: string[], onProgress?: (line: string) => void): Promise<void> {
  const missing: string[] = [];
  for (const name of packages) if (!(await debianPackageInstalled(name))) missing.push(name);
  if (missing.length === 0) return;
  const logDir = await mkdtemp(join(tmpdir(), 'inet-swarm-apt-'));
  const logFile = join(logDir, 'apt-get.log');
  onProgress?.(`Installing Debian packages ${missing.join(' ')}; log: ${logFile}`);
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  if (!listsUpdated) {
    const update = await run('apt-get', [...lock, 'update'], logFile);
    if (update.code !== 0) {
      throw new StackServerError('apt-get', 'apt-get update', await logTail(logFile), `failed (exit ${update.code}) while installing ${missing.join(' ')}`);
    }
    listsUpdated = true;
  }
  const args = [...lock, 'install', '-y', '--no-install-recommends', ...missing];
  const result = await run('apt-get', args, logFile);
  if (result.code !== 0) {
    throw new StackServerError(
      'apt-get',
      ['apt-get', ...args].join(' '),
      await logTail(logFile),
      `failed (exit ${result.code}) to install ${missing.join(' ')}${process.getuid?.() === 0 ? '' : ' (not running as root)'}`,
    );
  }
}
