// distccd daemons for the builder's distributed compile, from Debian's distcc
// 3.4 package, on loopback ports.
//
// What distccd 3.4 needs to accept jobs here: it only runs compilers that have
// a symlink in /usr/lib/distcc (the "masquerade" whitelist, filled by the
// package's update-distcc-symlinks for gcc, cc, g++, c++ and the versioned
// names), so --enable-tcp-insecure, which disables that check, is not needed.
// Started as root it drops to the `distcc` user the package creates (else
// `nobody`), so the compiler runs unprivileged in its own temp directory;
// --allow 127.0.0.1 is required because distccd refuses every client by
// default. Clients must name the host 127.0.0.1:<port>: distcc treats the name
// "localhost" as "compile locally".
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { ManagedProcess, freePort, tcpOpen } from '../process.ts';
import { ensureDebianPackages } from '../system-packages.ts';

export interface DistccServer {
  /** `127.0.0.1:<port>` per daemon, ready for DISTCC_HOSTS (append `/<jobs>,lzo` as wanted). */
  hosts: string[];
  /** One log per daemon (distccd's own log at info level): a job shows up as a `COMPILE_OK` line. */
  logFiles: string[];
  stop(): Promise<void>;
}

/**
 * Starts `count` (default 1) distccd daemons on free loopback ports, each
 * in the foreground with its own log in `<dir>/distccd-<port>.log`, accepting
 * clients from 127.0.0.1 and running up to `jobs` (default 2) compiles at a time.
 * Installs Debian's distcc first when it is missing.
 */
export async function startDistcc(opts: {
  dir: string;
  count?: number;
  jobs?: number;
  onProgress?: (line: string) => void;
}): Promise<DistccServer> {
  await ensureDebianPackages(['distcc', 'gcc'], opts.onProgress);
  await mkdir(opts.dir, { recursive: true });
  const count = opts.count ?? 1;
  const procs: ManagedProcess[] = [];
  const hosts: string[] = [];
  const logFiles: string[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(procs.map((proc) => proc.stop()));
  };
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const logFile = join(opts.dir, `distccd-${port}.log`);
      const proc = ManagedProcess.start({
        name: 'distccd',
        command: 'distccd',
        args: [
          '--no-detach',
          '--daemon',
          '--listen',
          '127.0.0.1',
          '--port',
          String(port),
          '--allow',
          '127.0.0.1',
          '--jobs',
          String(opts.jobs ?? 2),
          '--log-stderr',
          '--log-level=info',
        ],
        logFile,
      });
      procs.push(proc);
      await proc.waitReady(() => tcpOpen(port), 15_000, 100);
      hosts.push(`127.0.0.1:${port}`);
      logFiles.push(logFile);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { hosts, logFiles, stop };
}
