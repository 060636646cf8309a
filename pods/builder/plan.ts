// Pure parts of the builder: reading its environment (written by the
// operator into the Job's pod template), the distcc host list, and turning
// git's complaints into reasons a user understands.
import { PermanentError } from '../../lib/errors.ts';

export interface BuilderSettings {
  build: { name: string; namespace: string; uid: string };
  repository: string;
  revision: string;
  submodules: boolean;
  /** Folder with `username`/`password` or `ssh-privatekey` (and `known_hosts`), when the build names a Secret. */
  credentialsDir: string | undefined;
  mode: string;
  commands: string[];
  distcc: {
    enabled: boolean;
    /** DNS name of the headless Service whose A records are the distccd pods. */
    service: string;
    port: number;
    /** Parallel jobs the user asked for; undefined means derive from the peers. */
    jobs: number | undefined;
    /** `host:port` peers that replace the DNS lookup (the local stack: kwok pods have no DNS). */
    hostsOverride: string[] | undefined;
  };
  artifactExclude: string[];
  mongo: { uri: string; database: string };
  workspace: string;
  terminationLog: string;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new PermanentError(`The builder's environment lacks ${name} (the operator sets it in the Job's pod template)`);
  return value;
}

function jsonList(env: NodeJS.ProcessEnv, name: string, fallback: string[]): string[] {
  const text = env[name];
  if (!text) return fallback;
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  } catch {
    // reported below
  }
  throw new PermanentError(`${name} must be a JSON array of strings, got ${text.slice(0, 200)}`);
}

/** Reads the builder's settings from its environment. */
export function parseBuilderEnv(env: NodeJS.ProcessEnv): BuilderSettings {
  const jobsText = env.DISTCC_JOBS;
  const jobs = jobsText ? Number(jobsText) : undefined;
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) throw new PermanentError(`DISTCC_JOBS must be a positive integer, got ${jobsText}`);
  const override = env.INETSWARM_DISTCC_HOSTS?.split(/[\s,]+/).filter(Boolean);
  return {
    build: { name: required(env, 'INETSWARM_BUILD_NAME'), namespace: required(env, 'INETSWARM_BUILD_NAMESPACE'), uid: required(env, 'INETSWARM_BUILD_UID') },
    repository: required(env, 'GIT_REPOSITORY'),
    revision: required(env, 'GIT_REVISION'),
    submodules: env.GIT_SUBMODULES !== 'false',
    credentialsDir: env.GIT_CREDENTIALS_DIR || undefined,
    mode: env.BUILD_MODE || 'release',
    commands: jsonList(env, 'BUILD_COMMANDS', ['make makefiles', 'make MODE=$MODE -j$JOBS']),
    distcc: {
      enabled: env.DISTCC_ENABLED !== 'false',
      service: env.DISTCC_SERVICE ?? '',
      port: Number(env.DISTCC_PORT || 3632),
      jobs,
      hostsOverride: override && override.length > 0 ? override : undefined,
    },
    // tar's --exclude matches names, not "dir/": `out/` means the folder out.
    artifactExclude: jsonList(env, 'ARTIFACT_EXCLUDE', ['.git', 'out/', '*.o']).map((p) => p.replace(/\/+$/, '')).filter(Boolean),
    mongo: { uri: required(env, 'MONGODB_URI'), database: env.MONGODB_DATABASE || 'inetswarm' },
    workspace: env.WORKSPACE || '/workspace',
    terminationLog: env.TERMINATION_LOG || '/dev/termination-log',
  };
}

/** Compile slots per distccd, distcc's own default. */
export const SLOTS_PER_HOST = 4;

/** DISTCC_HOSTS for `peers` (`host:port`), and the parallel job count it supports. */
export function distccHosts(peers: string[], requestedJobs: number | undefined): { hosts: string; jobs: number } {
  const hosts = peers.map((peer) => `${peer}/${SLOTS_PER_HOST}`).join(' ');
  return { hosts, jobs: requestedJobs ?? Math.max(1, peers.length * SLOTS_PER_HOST) };
}

/** A URL with any embedded user and password removed, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/\s]+@/i, '$1');
}

/** Failure reason for a git fetch of the repository. */
export function describeCloneFailure(repository: string, stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^hint:/.test(l));
  const detail = lines.find((l) => /^fatal:|^error:|^ERROR/.test(l)) ?? lines.at(-1) ?? 'no output';
  return `Cannot clone ${redactUrl(repository)}: ${detail.replace(/^fatal:\s*/, '')}`;
}
