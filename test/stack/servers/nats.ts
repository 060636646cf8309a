// nats-server with JetStream for the local stack, built from its Go module
// (pinned) and cached, listening on loopback only with user/password auth so
// that the code under test must pass credentials the way it will in a cluster.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { goInstalledBinary, inputsKey } from '../cache.ts';
import { ManagedProcess, freePort, crashLifecycle, type CrashableServer } from '../process.ts';

/** The pinned nats-server release; the cache key, so changing it rebuilds. */
export const NATS_SERVER_VERSION = 'v2.15.2';

export interface NatsServer extends CrashableServer {
  /** `nats://127.0.0.1:<port>`; pass user and password separately. */
  url: string;
  /** The JetStream store directory, kept across restart(). */
  storeDir: string;
}

/** Builds (once, cached) and returns the path of the pinned nats-server binary. */
export async function natsServerBinary(onProgress?: (line: string) => void): Promise<string> {
  return goInstalledBinary({
    name: 'nats-server',
    key: await inputsKey([], [NATS_SERVER_VERSION]),
    pkg: `github.com/nats-io/nats-server/v2@${NATS_SERVER_VERSION}`,
    env: { CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
    onProgress,
  });
}

function config(port: number, monitorPort: number, user: string, password: string, storeDir: string): string {
  // JSON is valid NATS config syntax, and it spares us quoting rules.
  return JSON.stringify(
    {
      server_name: `inet-swarm-test-${port}`,
      listen: `127.0.0.1:${port}`,
      http: `127.0.0.1:${monitorPort}`,
      authorization: { user, password },
      jetstream: { store_dir: storeDir, max_memory_store: 256 * 1024 * 1024, max_file_store: 4 * 1024 * 1024 * 1024 },
      max_payload: 8 * 1024 * 1024,
    },
    null,
    2,
  );
}

async function healthy(monitorPort: number): Promise<boolean> {
  // /healthz answers 200 only once JetStream is up and its store recovered.
  const response = await fetch(`http://127.0.0.1:${monitorPort}/healthz`, { signal: AbortSignal.timeout(2_000) });
  return response.ok;
}

/**
 * Starts nats-server with JetStream on 127.0.0.1 (a free port unless `port`
 * is given) with generated credentials; its config, log and store live in
 * `<dir>/nats-<port>/`. Resolves once /healthz reports JetStream ready.
 */
export async function startNats(opts: { dir: string; port?: number; onProgress?: (line: string) => void }): Promise<NatsServer> {
  const binary = await natsServerBinary(opts.onProgress);
  const port = opts.port ?? (await freePort());
  const monitorPort = await freePort();
  const home = join(opts.dir, `nats-${port}`);
  const storeDir = join(home, 'jetstream');
  await mkdir(storeDir, { recursive: true });
  const user = 'inet-swarm';
  const password = randomBytes(18).toString('base64url');
  const configFile = join(home, 'nats.conf');
  await writeFile(configFile, config(port, monitorPort, user, password, storeDir));
  const logFile = join(home, 'nats-server.log');

  let proc: ManagedProcess | undefined;
  const launch = async (): Promise<void> => {
    proc = ManagedProcess.start({ name: 'nats-server', command: binary, args: ['-c', configFile], logFile });
    try {
      await proc.waitReady(() => healthy(monitorPort), 30_000);
    } catch (error) {
      await proc.stop();
      throw error;
    }
  };
  await launch();

  return {
    url: `nats://127.0.0.1:${port}`,
    user,
    password,
    port,
    storeDir,
    logFile,
    ...crashLifecycle(() => proc, launch),
  };
}
