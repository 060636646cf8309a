// moto's server, standing in for EKS, EC2 and CloudWatch: the AWS SDK v3
// clients reach it through their `endpoint` option. It comes from PyPI, the
// only place this project's machines can get it from.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { ManagedProcess, StackServerError, freePort, logTail } from '../process.ts';

/** The oldest moto release whose EKS, EC2 and CloudWatch models the tests rely on. */
export const MOTO_REQUIREMENT = 'moto[server]>=5.1.21';

export interface MotoServer {
  /** `http://127.0.0.1:<port>`, for the SDK clients' `endpoint`. */
  endpoint: string;
  /** The region to configure the clients with; any access key id and secret are accepted. */
  region: string;
  logFile: string;
  stop(): Promise<void>;
}

function python(args: string[], logFile: string): Promise<number> {
  return new Promise((resolve) => {
    const child = ManagedProcess.start({ name: 'pip', command: 'python3', args, logFile }).child;
    child.once('error', () => resolve(-1));
    child.once('exit', (code) => resolve(code ?? -1));
  });
}

async function importable(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('python3', ['-c', 'import moto.server'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/** Installs moto's server with pip unless `python3 -c "import moto.server"` already works. */
export async function ensureMoto(dir: string, onProgress?: (line: string) => void): Promise<void> {
  if (await importable()) return;
  await mkdir(dir, { recursive: true });
  const logFile = join(dir, 'pip-moto.log');
  const args = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', MOTO_REQUIREMENT];
  onProgress?.(`Installing ${MOTO_REQUIREMENT} with pip; log: ${logFile}`);
  const code = await python(args, logFile);
  if (code !== 0 || !(await importable())) {
    throw new StackServerError('moto', ['python3', ...args].join(' '), await logTail(logFile), `failed to install (exit ${code})`);
  }
}

/**
 * Starts moto's server on a free loopback port (installing it first when
 * missing) and resolves once it answers HTTP. Run as `python3 -m moto.server`
 * so that a fresh pip install needs no pyenv rehash to be found.
 */
export async function startMoto(opts: { dir: string; onProgress?: (line: string) => void }): Promise<MotoServer> {
  await mkdir(opts.dir, { recursive: true });
  await ensureMoto(opts.dir, opts.onProgress);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const logFile = join(opts.dir, `moto-${port}.log`);
  const proc = ManagedProcess.start({
    name: 'moto_server',
    command: 'python3',
    args: ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)],
    logFile,
  });
  try {
    await proc.waitReady(async () => {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
      return response.status < 500;
    }, 60_000, 250);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { endpoint, region: 'us-east-1', logFile, stop: () => proc.stop() };
}
