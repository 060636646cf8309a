// The MongoDB wire-protocol server of the local stack: FerretDB v1.24.x with
// its SQLite backend (MongoDB itself cannot be obtained on this project's
// machines; the chart deploys real MongoDB).
//
// Authentication is enforced. FerretDB v1.24 with SQLite can do SCRAM: its
// experimental "new auth" (--test-enable-new-auth) stores users in the backend
// and rejects every non-anonymous command on a connection that has not
// completed a SCRAM-SHA-1/SCRAM-SHA-256 conversation ("Command find requires
// authentication"); --setup-database/--setup-username/--setup-password create
// the first user when the setup database does not exist yet. The embeddable
// package github.com/FerretDB/FerretDB/ferretdb cannot turn this on (its
// Config has no auth field and the option lives in an internal package), so
// test/stack/ferretdb/build.sh builds FerretDB's own command instead.
// Credentials are generated per data directory and kept across restart().
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { cachedBinary, inputsKey } from '../cache.ts';
import { ManagedProcess, freePort, crashLifecycle, type CrashableServer } from '../process.ts';

export interface MongoServer extends CrashableServer {
  /** mongodb://user:password@127.0.0.1:<port>/?authSource=admin */
  uri: string;
  /** The SQLite directory (one file per database), kept across restart(). */
  dataDir: string;
}

const moduleDir = fileURLToPath(new URL('../ferretdb/', import.meta.url));

/** Builds (once, cached by the wrapper module's go.mod, go.sum and build.sh) and returns the FerretDB binary. */
export async function ferretdbBinary(onProgress?: (line: string) => void): Promise<string> {
  const inputs = ['go.mod', 'go.sum', 'build.sh'].map((name) => join(moduleDir, name));
  return cachedBinary({
    name: 'ferretdb',
    key: await inputsKey(inputs),
    onProgress,
    command: (output) => ({ command: 'sh', args: [join(moduleDir, 'build.sh'), output], cwd: moduleDir }),
  });
}

async function credentials(home: string): Promise<{ user: string; password: string }> {
  const file = join(home, 'credentials.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as { user: string; password: string };
  } catch {
    const generated = { user: 'inet-swarm', password: randomBytes(18).toString('base64url') };
    await writeFile(file, JSON.stringify(generated), { mode: 0o600 });
    return generated;
  }
}

async function answers(uri: string): Promise<boolean> {
  // A ping after a full SCRAM handshake: the server listens, its SQLite
  // backend is open and the setup user exists.
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 2_000, connectTimeoutMS: 2_000 });
  try {
    await client.connect();
    const reply = await client.db('admin').command({ ping: 1 });
    return reply.ok === 1;
  } finally {
    await client.close();
  }
}

/**
 * Starts FerretDB (SQLite backend, SCRAM auth) on 127.0.0.1 (a free port
 * unless `port` is given); its data, state and log live in
 * `<dir>/ferretdb-<port>/`. Resolves once an authenticated ping succeeds.
 */
export async function startMongo(opts: { dir: string; port?: number; onProgress?: (line: string) => void }): Promise<MongoServer> {
  const binary = await ferretdbBinary(opts.onProgress);
  const port = opts.port ?? (await freePort());
  const home = join(opts.dir, `ferretdb-${port}`);
  const dataDir = join(home, 'data');
  const stateDir = join(home, 'state');
  await mkdir(dataDir, { recursive: true });
  await mkdir(stateDir, { recursive: true });
  const { user, password } = await credentials(home);
  const uri = `mongodb://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/?authSource=admin`;
  const logFile = join(home, 'ferretdb.log');
  // synchronous(normal): a commit is durable against a crash of the server
  // (the chaos test kills it) but not of the machine, like MongoDB's default
  // write concern, which does not wait for the journal; SQLite's default
  // syncs the WAL on every commit.
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${dataDir}/?_pragma=synchronous(normal)`,
    `--listen-addr=127.0.0.1:${port}`,
    `--state-dir=${stateDir}`,
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=warn',
    '--test-enable-new-auth',
    '--setup-database=admin',
    `--setup-username=${user}`,
  ];
  // Through the environment, so that neither `ps` nor a StackServerError shows it.
  const env = { ...process.env, FERRETDB_SETUP_PASSWORD: password };

  let proc: ManagedProcess | undefined;
  const launch = async (): Promise<void> => {
    proc = ManagedProcess.start({ name: 'ferretdb', command: binary, args, env, logFile });
    try {
      await proc.waitReady(() => answers(uri), 60_000, 250);
    } catch (error) {
      await proc.stop();
      throw error;
    }
  };
  await launch();

  return {
    uri,
    port,
    user,
    password,
    dataDir,
    logFile,
    ...crashLifecycle(() => proc, launch),
  };
}
