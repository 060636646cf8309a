// Pure parts of the builder: reading its environment (written by the
// operator into the Job's pod template; docs/configuration.md), the distcc host list, and turning
// git's complaints into reasons a user understands.
import { BUILD_MODES } from '../../api/v1alpha1.ts';
import { boolean, integer, jsonStrings, list, oneOf, required, text, type Env } from '../../lib/config.ts';

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
  /** The launcher of the pod's `build` container (launcher.c --listen): the build commands run there, without the credentials. */
  launcherSocket: string | undefined;
}

const BY_OPERATOR = "the operator sets it in the Job's pod template";

/** Reads the builder's settings from its environment; throws ConfigError naming the first bad variable. */
export function parseBuilderEnv(env: Env): BuilderSettings {
  const hosts = list(env, 'INETSWARM_DISTCC_HOSTS');
  return {
    build: {
      name: required(env, 'INETSWARM_BUILD_NAME', BY_OPERATOR),
      namespace: required(env, 'INETSWARM_BUILD_NAMESPACE', BY_OPERATOR),
      uid: required(env, 'INETSWARM_BUILD_UID', BY_OPERATOR),
    },
    repository: required(env, 'INETSWARM_GIT_REPOSITORY', BY_OPERATOR),
    revision: required(env, 'INETSWARM_GIT_REVISION', BY_OPERATOR),
    submodules: boolean(env, 'INETSWARM_GIT_SUBMODULES') ?? true,
    credentialsDir: text(env, 'INETSWARM_GIT_CREDENTIALS_DIR'),
    mode: oneOf(env, 'INETSWARM_BUILD_MODE', BUILD_MODES) ?? 'release',
    commands: jsonStrings(env, 'INETSWARM_BUILD_COMMANDS') ?? ['make makefiles', 'make MODE=$MODE -j$JOBS'],
    distcc: {
      enabled: boolean(env, 'INETSWARM_DISTCC_ENABLED') ?? true,
      service: text(env, 'INETSWARM_DISTCC_SERVICE') ?? '',
      port: integer(env, 'INETSWARM_DISTCC_PORT', { min: 1, max: 65_535 }) ?? 3632,
      jobs: integer(env, 'INETSWARM_DISTCC_JOBS', { min: 1 }),
      hostsOverride: hosts?.length ? hosts : undefined,
    },
    // tar's --exclude matches names, not "dir/": `out/` means the folder out.
    artifactExclude: (jsonStrings(env, 'INETSWARM_ARTIFACT_EXCLUDE') ?? ['.git', 'out/', '*.o']).map((p) => p.replace(/\/+$/, '')).filter(Boolean),
    // From the builder Secret, written by the operator from a URI its own configuration checked.
    mongo: { uri: required(env, 'INETSWARM_MONGO_URI', BY_OPERATOR), database: text(env, 'INETSWARM_MONGO_DATABASE') ?? 'inetswarm' },
    workspace: text(env, 'INETSWARM_WORKSPACE') ?? '/workspace',
    terminationLog: terminationLogPath(env),
    launcherSocket: text(env, 'INETSWARM_LAUNCHER_SOCKET'),
  };
}

/** Where the termination message goes; also read when the rest of the environment is bad. */
export function terminationLogPath(env: Env): string {
  return text(env, 'INETSWARM_TERMINATION_LOG') ?? '/dev/termination-log';
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
