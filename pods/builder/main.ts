// The builder: runs inside the builder Job's pod. It clones the repository at
// the revision, compiles with distcc across the namespace's distccd pods,
// packs the runtime tree, stores it in GridFS by digest, and records the
// outcome twice: in the MongoDB `builds` collection (keyed by the build's
// uid) and as the container's termination message. Exit code 0 on success.
import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import { cpus } from 'node:os';
import { delimiter, join } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { pino, type Logger } from 'pino';
import { packRuntimeTree, uploadArtifact } from '../../lib/store/artifacts.ts';
import { PermanentError, TemporaryError } from '../../lib/errors.ts';
import { BUILDS_COLLECTION, terminationMessage, type BuildFailure, type BuildRecord, type BuildResult } from '../../lib/store/builds.ts';
import { prepareGitAuth } from './git-auth.ts';
import { commandRunner, LogTail } from './commands.ts';
import { describeCloneFailure, distccHosts, parseBuilderEnv, redactUrl, terminationLogPath, type BuilderSettings } from './plan.ts';

/** A build step failed for a reason the user can act on. */
export class BuildStepError extends PermanentError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'BuildStepError';
  }
}

interface RunResult {
  code: number;
  stderr: string;
}

/** Runs a command, echoing its output to ours and into the log tail. */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; tail?: LogTail; quiet?: boolean }): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const onData = (stream: NodeJS.WriteStream) => (data: Buffer) => {
      const text = data.toString();
      if (!options.quiet) stream.write(text);
      options.tail?.write(text);
      if (stream === process.stderr) stderr = (stderr + text).slice(-8000);
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    child.once('error', (error) => resolve({ code: -1, stderr: error.message }));
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stderr }));
  });
}

/**
 * Environment for git: never prompts, and authenticates with the mounted
 * credentials only to the repository's own host (git-auth.ts).
 */
async function gitEnv(settings: BuilderSettings, privateDir: string): Promise<NodeJS.ProcessEnv> {
  const { GIT_ASKPASS: _askpass, SSH_ASKPASS: _sshAskpass, GIT_SSH_COMMAND: _ssh, GIT_SSH: _sshProgram, ...inherited } = process.env;
  const auth = await prepareGitAuth(settings.repository, settings.credentialsDir, privateDir);
  if (!auth.ok) throw new BuildStepError('CredentialsInvalid', auth.message);
  return { ...inherited, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', ...auth.env };
}

/**
 * Clones `repository` at `revision` (with submodules) into `dir`. The copy of
 * the SSH key and the helper are removed before anything else runs, so that
 * build commands find no credential in the workspace.
 */
export async function checkout(settings: BuilderSettings, dir: string, tail: LogTail, log: Logger): Promise<void> {
  const privateDir = join(settings.workspace, '.credentials');
  try {
    await clone(settings, dir, await gitEnv(settings, privateDir), tail, log);
  } finally {
    await removeCredentials(privateDir);
  }
}

/** Deletes the private folder; in a pod it is the mount point of a volume of its own (EBUSY), so only its content goes. */
async function removeCredentials(privateDir: string): Promise<void> {
  try {
    await rm(privateDir, { recursive: true, force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EBUSY') throw error;
    for (const entry of await readdir(privateDir)) await rm(join(privateDir, entry), { recursive: true, force: true });
  }
}

async function clone(settings: BuilderSettings, dir: string, env: NodeJS.ProcessEnv, tail: LogTail, log: Logger): Promise<void> {
  const git = (...args: string[]) => run('git', ['-c', 'protocol.file.allow=always', '-c', 'advice.detachedHead=false', ...args], { cwd: dir, env, tail });
  await mkdir(dir, { recursive: true });
  await git('init', '-q');
  await git('remote', 'add', 'origin', settings.repository);
  const reach = await run('git', ['ls-remote', '--heads', 'origin'], { cwd: dir, env, quiet: true });
  if (reach.code !== 0) throw new BuildStepError('CloneFailed', describeCloneFailure(settings.repository, reach.stderr));
  // Servers that allow fetching a commit by id save the whole history's transfer.
  let fetched = (await git('fetch', '-q', '--depth', '1', 'origin', settings.revision)).code === 0;
  if (!fetched) {
    const all = await git('fetch', '-q', '--tags', 'origin', '+refs/heads/*:refs/remotes/origin/*');
    if (all.code !== 0) throw new BuildStepError('CloneFailed', describeCloneFailure(settings.repository, all.stderr));
    fetched = (await git('cat-file', '-e', `${settings.revision}^{commit}`)).code === 0;
  }
  if (!fetched) {
    throw new BuildStepError(
      'RevisionNotFound',
      `Revision ${settings.revision} is not in ${redactUrl(settings.repository)}: push the commit, or check spec.source.revision`,
    );
  }
  const co = await git('checkout', '-q', '--detach', settings.revision);
  if (co.code !== 0) throw new BuildStepError('CloneFailed', `Cannot check out ${settings.revision}: ${co.stderr.trim().split('\n').at(-1) ?? ''}`);
  if (settings.submodules) {
    const sub = await git('submodule', 'update', '--init', '--recursive', '--depth', '1');
    if (sub.code !== 0) {
      // A submodule commit that is not a branch tip cannot be fetched shallow from every server.
      const full = await git('submodule', 'update', '--init', '--recursive');
      if (full.code !== 0) throw new BuildStepError('CloneFailed', `Cannot clone the submodules: ${full.stderr.trim().split('\n').at(-1) ?? ''}`);
    }
  }
  log.info({ repository: redactUrl(settings.repository), revision: settings.revision }, 'Checked out revision');
}

/**
 * The distccd peers as `host:port`: the override, else the Service's A
 * records from the system resolver, which applies the pod's search domains
 * (c-ares' resolve4 would ask for `<service>.<namespace>.svc` as it is, which
 * no cluster DNS serves). Looked up for up to `waitMs`: the operator creates
 * the distccd DaemonSet with a namespace's first build, whose builder may
 * start before any distccd pod is ready.
 */
export async function findPeers(settings: BuilderSettings, log: Logger, waitMs = 20_000): Promise<string[]> {
  if (settings.distcc.hostsOverride) return settings.distcc.hostsOverride;
  const deadline = Date.now() + waitMs;
  for (let last = ''; ; await new Promise((resolve) => setTimeout(resolve, 2_000))) {
    const found = await lookup(settings.distcc.service, { all: true, family: 4 }).catch((error: Error) => ((last = error.message), []));
    const addresses = [...new Set(found.map((a) => a.address))];
    if (addresses.length > 0) return addresses.sort().map((ip) => `${ip}:${settings.distcc.port}`);
    if (Date.now() >= deadline) {
      log.warn({ service: settings.distcc.service, err: last }, 'Found no distccd peers, compiling locally');
      return [];
    }
  }
}

/** Finds an executable on PATH. */
async function which(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const result = await new Promise<string>((resolve) => {
    const child = spawn('sh', ['-c', `command -v ${name}`], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('close', () => resolve(out.trim()));
    child.once('error', () => resolve(''));
  });
  return result || undefined;
}

/**
 * The compile environment: MODE, JOBS, and with distcc a masquerade folder
 * first on PATH (cc, gcc, c++, g++, clang, clang++ -> distcc), so that even
 * makefiles that set CC themselves (INET's Makefile.inc) compile through distcc.
 */
export async function compileEnv(settings: BuilderSettings, peers: string[], log: Logger): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env, MODE: settings.mode };
  const distcc = settings.distcc.enabled && peers.length > 0 ? await which('distcc', env) : undefined;
  if (settings.distcc.enabled && peers.length > 0 && !distcc) log.warn('Found no distcc binary, compiling locally');
  if (!distcc) {
    env.JOBS = String(settings.distcc.jobs ?? cpus().length);
    return env;
  }
  const { hosts, jobs } = distccHosts(peers, settings.distcc.jobs);
  const masquerade = join(settings.workspace, 'distcc-bin');
  await mkdir(masquerade, { recursive: true });
  // distcc keeps its lock and state files there and quietly compiles locally when it cannot create them.
  await mkdir(join(settings.workspace, '.distcc'), { recursive: true });
  for (const compiler of ['cc', 'gcc', 'c++', 'g++', 'clang', 'clang++']) {
    await symlink(distcc, join(masquerade, compiler)).catch(() => undefined);
  }
  Object.assign(env, {
    PATH: `${masquerade}${delimiter}${env.PATH ?? ''}`,
    DISTCC_HOSTS: hosts,
    DISTCC_DIR: join(settings.workspace, '.distcc'),
    JOBS: String(jobs),
    CC: 'cc',
    CXX: 'c++',
  });
  log.info({ peers: peers.length, jobs }, 'Compiling with distcc');
  return env;
}

async function record(db: Db, settings: BuilderSettings, update: Partial<BuildRecord>): Promise<void> {
  const { name, namespace, uid } = settings.build;
  await db
    .collection<BuildRecord>(BUILDS_COLLECTION)
    .updateOne({ _id: uid }, { $set: { name, namespace, ...update }, $setOnInsert: { startedAt: new Date() } }, { upsert: true });
}

async function withRetries<T>(what: string, attempts: number, fn: () => Promise<T>, log: Logger): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || error instanceof PermanentError) throw error;
      log.warn({ what, attempt, err: (error as Error).message }, 'Step failed, retrying');
      await new Promise((r) => setTimeout(r, 1000 * 2 ** attempt));
    }
  }
}

/** Runs the whole build and returns its outcome (never throws for a build failure). */
export async function runBuild(settings: BuilderSettings, db: Db, log: Logger): Promise<BuildResult> {
  const tail = new LogTail();
  const existing = await db.collection<BuildRecord>(BUILDS_COLLECTION).findOne({ _id: settings.build.uid });
  if (existing?.phase === 'Succeeded' && existing.artifact) return { phase: 'Succeeded', artifact: existing.artifact };
  await record(db, settings, { phase: 'Building' });
  const src = join(settings.workspace, 'src');
  try {
    await rm(src, { recursive: true, force: true });
    await checkout(settings, src, tail, log);
    const peers = settings.distcc.enabled ? await findPeers(settings, log) : [];
    const env = await compileEnv(settings, peers, log);
    const output = { write: (text: string) => (process.stdout.write(text), tail.write(text)) };
    const commands = commandRunner({ socket: settings.launcherSocket, env, outputDir: join(settings.workspace, '.build-output'), output });
    try {
      for (const command of settings.commands) {
        log.info({ command }, 'Running build command');
        tail.write(`$ ${command}\n`);
        const code = await commands.run(command, src);
        if (code !== 0) throw new BuildStepError('CompileFailed', `Build command \`${command}\` exited with code ${code}`);
      }
    } finally {
      await commands.close();
    }
    const archive = join(settings.workspace, 'artifact.tar.gz');
    try {
      await packRuntimeTree(src, archive, settings.artifactExclude);
    } catch (error) {
      throw new BuildStepError('PackageFailed', `Packing the runtime tree failed: ${(error as Error).message}`);
    }
    const artifact = await withRetries('upload', 4, () => uploadArtifact(db, archive, { namespace: settings.build.namespace, build: settings.build.uid }), log).catch((error: unknown) => {
      throw new BuildStepError('UploadFailed', `Storing the artifact failed: ${(error as Error).message}`);
    });
    log.info({ digest: artifact.digest, size: artifact.size }, 'Stored artifact');
    return { phase: 'Succeeded', artifact };
  } catch (error) {
    const failure: BuildFailure =
      error instanceof BuildStepError
        ? { reason: error.reason, message: error.message, logTail: tail.text() }
        : { reason: 'BuilderError', message: (error as Error).message, logTail: tail.text() };
    log.error({ reason: failure.reason, message: failure.message }, 'Build failed');
    return { phase: 'Failed', failure };
  }
}

async function main(): Promise<number> {
  const log = pino({ base: { component: 'builder' } });
  let settings: BuilderSettings;
  try {
    settings = parseBuilderEnv(process.env);
  } catch (error) {
    log.error({ err: (error as Error).message }, 'Rejected the builder environment');
    await writeFile(terminationLogPath(process.env), terminationMessage({ phase: 'Failed', failure: { reason: 'BuilderMisconfigured', message: (error as Error).message } })).catch(() => undefined);
    return 2;
  }
  const client = new MongoClient(settings.mongo.uri, { serverSelectionTimeoutMS: 20_000 });
  try {
    const db = client.db(settings.mongo.database);
    const result = await runBuild(settings, db, log);
    // The termination message first: it reaches the operator even when MongoDB does not.
    await writeFile(settings.terminationLog, terminationMessage(result)).catch((error: unknown) =>
      log.warn({ err: (error as Error).message }, 'Failed to write the termination message'),
    );
    await withRetries(
      'record',
      4,
      () => record(db, settings, result.phase === 'Succeeded' ? { phase: 'Succeeded', artifact: result.artifact, finishedAt: new Date() } : { phase: 'Failed', failure: result.failure, finishedAt: new Date() }),
      log,
    );
    log.info({ build: `${settings.build.namespace}/${settings.build.name}`, phase: result.phase }, 'Recorded build result');
    return result.phase === 'Succeeded' ? 0 : 1;
  } catch (error) {
    const message = error instanceof TemporaryError || error instanceof Error ? error.message : String(error);
    log.error({ err: message }, 'Failed to record the build');
    await writeFile(settings.terminationLog, terminationMessage({ phase: 'Failed', failure: { reason: 'RecordFailed', message } })).catch(() => undefined);
    return 1;
  } finally {
    await client.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
