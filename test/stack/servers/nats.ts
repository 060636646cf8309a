// nats-server with JetStream for the local stack, built from its Go module
// (pinned) and cached, listening on loopback only in operator mode (JWT
// auth, the keys made fresh per stack by lib/queue/identity.ts) so that the
// code under test authenticates and is refused the way it is in a cluster.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { goInstalledBinary, inputsKey } from '../cache.ts';
import { createNatsTrust, mintUserCreds, operatorModeConfig, type AccountSigner, type NatsTrust } from '../../../lib/queue/identity.ts';
import { ManagedProcess, freePort, crashLifecycle, type CrashableServer } from '../process.ts';

/** The pinned nats-server release; the cache key, so changing it rebuilds. */
export const NATS_SERVER_VERSION = 'v2.15.2';

/** A crashable server without user and password: JWT auth has none. */
export interface NatsServer extends Omit<CrashableServer, 'user' | 'password'> {
  /** `nats://127.0.0.1:<port>`; connect with `creds` (credsOptions of lib/queue/identity.ts). */
  url: string;
  /** `.creds` text of an admin user of the application account (no permission limits). */
  creds: string;
  /** The application account and its signing seed: what the inet-swarm operator mints namespace users with. */
  signer: AccountSigner;
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

function config(port: number, monitorPort: number, trust: NatsTrust, storeDir: string): string {
  // JSON is valid NATS config syntax, and it spares us quoting rules.
  return JSON.stringify(
    {
      server_name: `inet-swarm-test-${port}`,
      listen: `127.0.0.1:${port}`,
      http: `127.0.0.1:${monitorPort}`,
      ...operatorModeConfig(trust),
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
 * is given) with fresh operator-mode keys; its config, log and store live in
 * `<dir>/nats-<port>/`. Resolves once /healthz reports JetStream ready.
 */
export async function startNats(opts: { dir: string; port?: number; onProgress?: (line: string) => void }): Promise<NatsServer> {
  const binary = await natsServerBinary(opts.onProgress);
  const port = opts.port ?? (await freePort());
  const monitorPort = await freePort();
  const home = join(opts.dir, `nats-${port}`);
  const storeDir = join(home, 'jetstream');
  await mkdir(storeDir, { recursive: true });
  const trust = await createNatsTrust();
  const configFile = join(home, 'nats.conf');
  await writeFile(configFile, config(port, monitorPort, trust, storeDir));
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
    creds: await mintUserCreds(trust.signer, 'stack-admin'),
    signer: trust.signer,
    port,
    storeDir,
    logFile,
    ...crashLifecycle(() => proc, launch),
  };
}
