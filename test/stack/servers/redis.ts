// redis-server, for the benchmark that compares dispatch with the seed
// project's technology (RQ workers on Redis). From Debian's package; no
// persistence, since a benchmark run needs none.
import { connect } from 'node:net';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { ManagedProcess, freePort } from '../process.ts';
import { ensureDebianPackages } from '../system-packages.ts';

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` (no password: loopback only). */
  url: string;
  port: number;
  logFile: string;
  stop(): Promise<void>;
}

/** Resolves true when the server answers PING with PONG. */
async function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
  });
}

/**
 * Starts redis-server on a free loopback port with persistence off (no RDB
 * snapshots, no AOF), installing Debian's redis-server first when missing.
 */
export async function startRedis(opts: { dir: string; onProgress?: (line: string) => void }): Promise<RedisServer> {
  await ensureDebianPackages(['redis-server'], opts.onProgress);
  const port = await freePort();
  const home = join(opts.dir, `redis-${port}`);
  await mkdir(home, { recursive: true });
  const logFile = join(home, 'redis-server.log');
  const proc = ManagedProcess.start({
    name: 'redis-server',
    command: 'redis-server',
    args: ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', home, '--daemonize', 'no'],
    logFile,
  });
  try {
    await proc.waitReady(() => pong(port), 15_000, 100);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { url: `redis://127.0.0.1:${port}`, port, logFile, stop: () => proc.stop() };
}
