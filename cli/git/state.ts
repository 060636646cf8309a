// Reads the state of the user's git checkout with the git command itself, with
// no network access: whether the remote has a commit is judged from the
// remote-tracking refs (refs/remotes/<remote>/*) as of the last fetch or push.
import { execFile } from 'node:child_process';
import { CliError } from '../errors.ts';

/** One submodule as `git submodule status` reports it. */
export interface SubmoduleState {
  path: string;
  /** The commit checked out (or recorded, when not initialised). */
  commit: string;
  /** `modified`: the checked-out commit differs from the one the superproject records. */
  state: 'clean' | 'modified' | 'uninitialized' | 'conflict';
}

/** Everything the CLI needs to know about the checkout it runs in. */
export interface GitState {
  /** Absolute path of the working tree's top level. */
  root: string;
  /** Full 40-hex commit of HEAD. */
  head: string;
  /** The checked-out branch, or undefined on a detached HEAD. */
  branch: string | undefined;
  /** The upstream of the branch (`branch.<name>.remote` / `.merge`), if it tracks one. */
  upstream: { remote: string; branch: string } | undefined;
  /** The remote the cluster will clone from: the upstream's remote, else `origin`, else the only remote. */
  remote: string | undefined;
  /** The remote's fetch URL, if `remote` is set. */
  remoteUrl: string | undefined;
  /** All configured remotes. */
  remotes: string[];
  /** Changed tracked files (porcelain lines), including submodules with a changed commit or dirty content. */
  changes: string[];
  /** Untracked entries (a new folder counts once): not part of a build, so reported, not refused. */
  untracked: number;
  submodules: SubmoduleState[];
  /** Remote-tracking refs of `remote` that contain HEAD, e.g. `origin/main`. */
  remoteRefsContainingHead: string[];
}

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git in `cwd`; never throws for a non-zero exit, only when git itself cannot be started. */
export function runGit(cwd: string, args: string[]): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(
            new CliError(`Could not run git (${error.message}). Install git and make sure it is on the PATH.`, {
              cause: error,
            }),
          );
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

async function gitOut(cwd: string, args: string[]): Promise<string | undefined> {
  const result = await runGit(cwd, args);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/** Returns the working tree's top level containing `cwd`, or undefined outside a repository. */
export async function findRepositoryRoot(cwd: string): Promise<string | undefined> {
  return gitOut(cwd, ['rev-parse', '--show-toplevel']);
}

/**
 * Reads the git state of the checkout containing `cwd`.
 * Throws CliError when `cwd` is not inside a git working tree or the repository has no commit.
 */
export async function readGitState(cwd: string): Promise<GitState> {
  const root = await findRepositoryRoot(cwd);
  if (root === undefined) {
    throw new CliError(
      `${cwd} is not inside a git repository. The cluster builds your model from a git commit: ` +
        'run inet-swarm in a clone of your model (git clone <url>), or use --local to run on this machine.',
    );
  }
  const head = await gitOut(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (head === undefined || !/^[0-9a-f]{40}$/.test(head)) {
    throw new CliError(
      `The repository at ${root} has no commit yet. Commit your model first: git add -A && git commit -m "..."`,
    );
  }
  const branch = await gitOut(root, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  const remotes = ((await gitOut(root, ['remote'])) ?? '').split('\n').filter((r) => r !== '');

  const upstream = await readUpstream(root, branch);
  const remote =
    upstream?.remote ?? (remotes.includes('origin') ? 'origin' : remotes.length === 1 ? remotes[0] : undefined);
  const remoteUrl = remote === undefined ? undefined : await gitOut(root, ['remote', 'get-url', remote]);

  const { changes, untracked } = await readWorkingTree(root);
  const submodules = parseSubmoduleStatus((await runGit(root, ['submodule', 'status', '--recursive'])).stdout);

  const remoteRefsContainingHead = remote === undefined ? [] : await remoteRefsContaining(root, remote, head);

  return {
    root,
    head,
    branch,
    upstream,
    remote,
    remoteUrl,
    remotes,
    changes,
    untracked,
    submodules,
    remoteRefsContainingHead,
  };
}

/** The remote and branch `branch` tracks, when it tracks one on a remote (not `.`, a local branch). */
async function readUpstream(root: string, branch: string | undefined): Promise<GitState['upstream']> {
  if (branch === undefined) return undefined;
  const upstreamRemote = await gitOut(root, ['config', '--get', `branch.${branch}.remote`]);
  const merge = await gitOut(root, ['config', '--get', `branch.${branch}.merge`]);
  if (upstreamRemote === undefined || upstreamRemote === '.' || merge === undefined) return undefined;
  return { remote: upstreamRemote, branch: merge.replace(/^refs\/heads\//, '') };
}

/** Uncommitted changes (porcelain lines) and the number of untracked entries. */
async function readWorkingTree(root: string): Promise<{ changes: string[]; untracked: number }> {
  const status = await runGit(root, ['status', '--porcelain=v1', '--untracked-files=normal', '--ignore-submodules=none']);
  const statusLines = status.stdout.split('\n').filter((l) => l !== '');
  const changes = statusLines.filter((l) => !l.startsWith('??'));
  return { changes, untracked: statusLines.length - changes.length };
}

/** The remote-tracking branches of `remote` that contain `head` (without the remote's HEAD alias). */
async function remoteRefsContaining(root: string, remote: string, head: string): Promise<string[]> {
  const refs = await gitOut(root, ['for-each-ref', '--contains', head, '--format=%(refname:short)', `refs/remotes/${remote}/`]);
  return (refs ?? '').split('\n').filter((r) => r !== '' && r !== `${remote}/HEAD` && r !== remote);
}

/** Parses `git submodule status` output: a state character, the commit, the path and maybe `(describe)`. */
export function parseSubmoduleStatus(output: string): SubmoduleState[] {
  const result: SubmoduleState[] = [];
  for (const line of output.split('\n')) {
    const match = /^([ +\-U])([0-9a-f]{40}) (\S+)/.exec(line);
    if (!match) continue;
    const flag = match[1];
    result.push({
      path: match[3] ?? '',
      commit: match[2] ?? '',
      state: flag === '+' ? 'modified' : flag === '-' ? 'uninitialized' : flag === 'U' ? 'conflict' : 'clean',
    });
  }
  return result;
}
