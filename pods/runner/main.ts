// Entrypoint of a runner pod: `node pods/runner/main.js` in the runner
// image (compiled), `npx tsx pods/runner/main.ts` from source. Configured only by environment
// variables (config.ts). Exit codes: 0 once the campaign's queue is drained
// (the Job's work-queue pattern reads a success as "all work done", so only a
// drained runner may report it), 1 on a configuration, artifact or store
// problem that a restart will not fix by itself soon, 143 when stopped by SIGTERM.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { MongoClient } from 'mongodb';
import { pino, type Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { fetchArtifact } from '../../lib/store/artifacts.ts';
import { PermanentError } from '../../lib/errors.ts';
import { ensureIndexes } from '../../lib/store/store.ts';
import { describeRunnerConfig, redactUri, runnerConfigFromEnv, simulationEnv, type RunnerConfig } from '../../lib/engine/runner-config.ts';
import { withLibraryPath } from '../../lib/engine/command.ts';
import { ConfigError } from '../../lib/config.ts';
import { Launcher } from '../../lib/engine/launcher.ts';
import { runWorker } from './worker.ts';
import { credsOptions } from '../../lib/queue/identity.ts';

const EXIT_DRAINED = 0;
const EXIT_FATAL = 1;
const EXIT_STOPPED = 143;

async function connectNats(config: RunnerConfig, log: Logger, deadline: number): Promise<NatsConnection> {
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await connect({
        servers: config.nats.url,
        // The namespace's user, replying on the namespace's inbox: its permissions allow no other.
        ...(config.nats.creds ? credsOptions(config.nats.creds, config.namespace) : {}),
        name: config.podName,
        // Once connected, ride out server restarts for as long as it takes.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        timeout: 5000,
      });
    } catch (err) {
      if (Date.now() + delay > deadline) throw new PermanentError(`Could not reach NATS at ${config.nats.url}: ${(err as Error).message}`, { cause: err });
      log.warn({ url: config.nats.url, err: String(err) }, 'Connected to no NATS server, retrying');
      await sleep(delay);
    }
  }
}

async function connectMongo(config: RunnerConfig, deadline: number): Promise<MongoClient> {
  const client = new MongoClient(config.mongo.uri, { serverSelectionTimeoutMS: Math.max(1000, deadline - Date.now()), appName: config.podName });
  try {
    await client.connect();
    await client.db(config.mongo.database).command({ ping: 1 });
  } catch (err) {
    await client.close().catch(() => undefined);
    throw new PermanentError(`Could not reach the result store at ${redactUri(config.mongo.uri)}: ${(err as Error).message}`, { cause: err });
  }
  return client;
}

async function fetchWithRetry(config: RunnerConfig, client: MongoClient, log: Logger, deadline: number): Promise<string> {
  for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await fetchArtifact(client.db(config.mongo.database), config.artifact.digest, config.artifact.cacheDir);
    } catch (err) {
      if (err instanceof PermanentError || Date.now() + delay > deadline) throw err;
      log.warn({ digest: config.artifact.digest, err: String(err) }, 'Fetched no artifact, retrying');
      await sleep(delay);
    }
  }
}

/** The sandbox container's launcher when the pod has one, else a launcher child, else none (Node spawns). */
function launcherOf(config: RunnerConfig, simEnv: NodeJS.ProcessEnv): Launcher | undefined {
  if (config.launcherSocket) return new Launcher({ socket: config.launcherSocket, connectTimeoutMs: config.connectTimeoutMs }, simEnv);
  return config.launcher ? new Launcher(config.launcher, simEnv) : undefined;
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const log = pino({ level: env.INETSWARM_LOG_LEVEL ?? 'info', base: { component: 'runner' } });
  let config: RunnerConfig;
  try {
    config = runnerConfigFromEnv(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    log.fatal({ error: err.message }, 'Read no configuration');
    return EXIT_FATAL;
  }
  const clog = log.child({ campaign: `${config.namespace}/${config.campaign}`, pod: config.podName });
  clog.info({ config: describeRunnerConfig(config) }, 'Started runner');

  const stop = new AbortController();
  const onSignal = (signal: string) => {
    if (stop.signal.aborted) return;
    clog.info({ signal }, 'Received stop signal');
    stop.abort();
    // Whatever happens, exit within the shutdown grace plus the kill grace.
    setTimeout(() => process.exit(EXIT_STOPPED), config.shutdownGraceMs + config.killGraceMs + 3000).unref();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  const deadline = Date.now() + config.connectTimeoutMs;
  let mongo: MongoClient | undefined;
  let nc: NatsConnection | undefined;
  let launcher: Launcher | undefined;
  try {
    mongo = await connectMongo(config, deadline);
    const db = mongo.db(config.mongo.database);
    await ensureIndexes(db);
    const root = await fetchWithRetry(config, mongo, clog, deadline);
    clog.info({ digest: config.artifact.digest, root }, 'Fetched artifact');
    const simEnv = withLibraryPath(root, config.simulation, simulationEnv(env));
    launcher = launcherOf(config, simEnv);
    nc = await connectNats(config, clog, deadline);
    const exit = await runWorker({ config, log: clog, nc, js: jetstream(nc), jsm: await jetstreamManager(nc, { checkAPI: false }), db, root, stop: stop.signal, simulationEnv: simEnv, launcher });
    clog.info({ exit }, exit === 'drained' ? 'Drained queue, exiting' : 'Stopped runner');
    return exit === 'drained' ? EXIT_DRAINED : EXIT_STOPPED;
  } catch (err) {
    if (err instanceof PermanentError) clog.fatal({ error: err.message }, 'Stopped runner on a permanent error');
    else clog.fatal({ err: String(err), stack: (err as Error).stack }, 'Stopped runner on an unexpected error');
    return EXIT_FATAL;
  } finally {
    // Drain flushes the last acks before the connection closes.
    await nc?.drain().catch(() => undefined);
    await mongo?.close().catch(() => undefined);
    await launcher?.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`runner: ${String((err as Error)?.stack ?? err)}\n`);
      process.exit(EXIT_FATAL);
    },
  );
}
