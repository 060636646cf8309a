// Decides whether the cluster can build what the user has checked out. Pure:
// the git state is read elsewhere (state.ts), so every edge case is a table test.
import { parseRemoteUrl, urlCredentials, withoutCredentials, type RemoteUrl } from './remote-url.ts';
import type { GitState } from './state.ts';

/** What the cluster will build, when the checkout allows it. */
export interface BuildSource {
  repository: RemoteUrl;
  revision: string;
  remote: string;
}

export type GitVerdict =
  | { ok: true; source: BuildSource; notes: string[] }
  | { ok: false; problems: string[]; notes: string[] };

export interface GitCheckOptions {
  /** Build the pushed HEAD even though the working tree has uncommitted changes (they are NOT in the build). */
  allowDirty: boolean;
}

const shownChanges = 10;

/** One check's findings: problems stop the submission, notes are printed with it. */
interface Findings {
  problems: string[];
  notes: string[];
}

/**
 * Checks that HEAD is committed and pushed to the remote the cluster clones from.
 * Each problem names its exact fix; all problems are reported at once.
 */
export function checkGitState(state: GitState, options: GitCheckOptions): GitVerdict {
  const remote = checkRemote(state);
  const findings = [remote, checkChanges(state, options), checkPushed(state, remote.repository), untrackedNotes(state)];
  const problems = findings.flatMap((f) => f.problems);
  const notes = findings.flatMap((f) => f.notes);
  if (state.branch === undefined && problems.length === 0) {
    notes.push(`HEAD is detached at ${state.head.slice(0, 7)}; building that commit.`);
  }
  if (problems.length > 0 || remote.repository === undefined || state.remote === undefined) {
    return { ok: false, problems, notes };
  }
  return { ok: true, source: { repository: remote.repository, revision: state.head, remote: state.remote }, notes };
}

/** The remote the cluster clones from, and its URL in a form git clone can use. */
function checkRemote(state: GitState): Findings & { repository?: RemoteUrl } {
  if (state.remote === undefined) {
    return {
      problems: [
        state.remotes.length === 0
          ? 'The repository has no remote, so the cluster has nowhere to clone it from. Add one and push: ' +
            `git remote add origin <url> && git push -u origin ${state.branch ?? 'HEAD:refs/heads/main'}`
          : `The current branch tracks no remote and there is no remote named origin (remotes: ${state.remotes.join(', ')}). ` +
            `Set the upstream: git push -u <remote> ${state.branch ?? 'HEAD:refs/heads/<branch>'}`,
      ],
      notes: [],
    };
  }
  const repository = state.remoteUrl === undefined ? undefined : parseRemoteUrl(state.remoteUrl);
  if (repository !== undefined && urlCredentials(repository.url) !== undefined) {
    return { problems: [credentialsInUrlProblem(state.remote, repository)], notes: [] };
  }
  if (repository === undefined) {
    return {
      problems: [
        `Remote ${state.remote} has a URL git clone cannot use (${state.remoteUrl ?? 'none'}). ` +
          `Fix it: git remote set-url ${state.remote} <url>`,
      ],
      notes: [],
    };
  }
  return { problems: [], notes: [], repository };
}

/**
 * A remote URL with a password or token in it: the cluster would copy it into
 * the InetBuild, its Events and the builder Job. The fix: a clean URL, and the
 * credential in a Secret that `--git-credentials` names. Never shows the credential.
 */
export function credentialsInUrlProblem(remote: string, repository: RemoteUrl): string {
  const clean = withoutCredentials(repository.url);
  const what = urlCredentials(repository.url) === 'password' ? 'a password' : 'a user name or token';
  const token = [
    '  kubectl create secret generic git-token --from-literal=username=<user> --from-literal=password=<token>',
    '  inet-swarm run --git-credentials git-token',
  ];
  const ssh = [
    `  ssh-keyscan ${repository.host} > known_hosts`,
    '  kubectl create secret generic git-ssh --from-file=ssh-privatekey=$HOME/.ssh/id_ed25519 --from-file=known_hosts=known_hosts',
    '  inet-swarm run --git-credentials git-ssh',
  ];
  return [
    `Remote ${remote}'s URL has ${what} in it, which the cluster would copy into the InetBuild, its Events and the ` +
      `builder Job. Take it out of the URL (git remote set-url ${remote} ${clean}; a git credential helper keeps it ` +
      'on this machine) and give it to the cluster in a credentials Secret (kubectl -n <namespace> for another namespace):',
    ...(repository.kind === 'ssh' ? ssh : token),
    repository.kind === 'ssh' ? 'For an https remote with a token:' : 'For an ssh remote, a key and its host\'s key:',
    ...(repository.kind === 'ssh' ? token : ssh),
    'The builder offers the credential only to the repository\'s own host.',
  ].join('\n');
}

/** Uncommitted changes (and modified submodules): a problem, or a note with --allow-dirty. */
function checkChanges(state: GitState, options: GitCheckOptions): Findings {
  const rev7 = state.head.slice(0, 7);
  const dirtySubmodules = state.submodules.filter((s) => s.state === 'modified' || s.state === 'conflict');
  if (state.changes.length === 0 && dirtySubmodules.length === 0) return { problems: [], notes: [] };
  const listed = state.changes.slice(0, shownChanges).map((line) => `  ${line}`);
  if (state.changes.length > shownChanges) listed.push(`  ... and ${state.changes.length - shownChanges} more`);
  for (const sub of dirtySubmodules) {
    if (!state.changes.some((line) => line.slice(3) === sub.path)) {
      listed.push(`  submodule ${sub.path} (${sub.state})`);
    }
  }
  if (options.allowDirty) {
    return {
      problems: [],
      notes: [`Building commit ${rev7} without the uncommitted changes in the working tree (--allow-dirty):\n${listed.join('\n')}`],
    };
  }
  return {
    problems: [
      `The working tree has uncommitted changes, and the cluster builds commit ${rev7}, which does not contain them:\n` +
        `${listed.join('\n')}\n` +
        'Commit and push them (git commit -am "..." && git push), or set them aside (git stash), ' +
        'or pass --allow-dirty to run commit ' +
        `${rev7} as it is.`,
    ],
    notes: [],
  };
}

/** HEAD must be on a remote-tracking branch of the remote, else the cluster cannot clone it. */
function checkPushed(state: GitState, repository: RemoteUrl | undefined): Findings {
  if (state.remote === undefined || repository === undefined || state.remoteRefsContainingHead.length > 0) {
    return { problems: [], notes: [] };
  }
  const branchForPush = state.upstream?.branch ?? state.branch;
  const push =
    branchForPush === undefined
      ? `HEAD is detached; push it to a branch: git push ${state.remote} HEAD:refs/heads/<branch>`
      : `Push it: git push ${state.remote} ${state.branch === branchForPush || state.branch === undefined ? branchForPush : `${state.branch}:${branchForPush}`}`;
  return {
    problems: [
      `Commit ${state.head.slice(0, 7)} is not on remote ${state.remote} (${repository.url}): no remote-tracking branch of ` +
        `${state.remote} contains it, so the cluster cannot clone it. ${push}\n` +
        `(Judged from your remote-tracking refs without network access; if it was pushed from elsewhere, run git fetch ${state.remote}.)`,
    ],
    notes: [],
  };
}

/** What the build will not contain or will fetch itself: submodules not checked out here, untracked files. */
function untrackedNotes(state: GitState): Findings {
  const notes: string[] = [];
  for (const sub of state.submodules) {
    if (sub.state === 'uninitialized') {
      notes.push(
        `Submodule ${sub.path} is not checked out here; the build clones it at the recorded commit ${sub.commit.slice(0, 7)}.`,
      );
    }
  }
  if (state.untracked > 0) {
    notes.push(
      `${state.untracked} untracked file(s) or folder(s) (git status) are not part of the build; ` +
        'git add and commit any the model needs.',
    );
  }
  return { problems: [], notes };
}
