// The opp_run command line of a campaign's simulation. Pure, shared by the
// runner and the local CLI engine so both run exactly the same command, and
// rendered as the shell line a user pastes in their checkout to run one run.
import { dirname, isAbsolute, join, posix } from 'node:path';

/** The simulation part of a campaign spec, as the runner receives it. */
export interface SimulationSpec {
  /** `opp_run` (on PATH), or a model executable relative to the build root, e.g. `samples/aloha/aloha`. */
  executable: string;
  /** Folder of the ini files, relative to the build root; the simulation runs there. */
  workingDir: string;
  iniFiles: string[];
  config: string;
  /** opp_run `-r` filter for planning; empty or absent means every run. */
  runFilter?: string;
  /** NED folders (`-n`), relative to the build root; INET takes them from `.nedfolders`. */
  nedPath?: string[];
  /** NED packages excluded (`-x`), from INET's `.nedexclusions`. */
  nedExcludes?: string[];
  /** Shared libraries loaded with `-l`, relative to the build root, e.g. `src/INET`. */
  libraries?: string[];
  /** Appended as is, e.g. `--sim-time-limit=100s`. */
  extraArgs?: string[];
}

export interface Command {
  executable: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

// Paths in the spec are relative to the build root so that one spec works
// wherever the artifact was extracted; a bare name (`opp_run`) is looked up on PATH.
function resolvePath(root: string, p: string): string {
  return isAbsolute(p) ? p : join(root, p);
}

function resolveExecutable(root: string, exe: string): string {
  return exe.includes('/') ? resolvePath(root, exe) : exe;
}

// `place` turns a spec path into the one the command line names: under the
// build root for the runner, relative to the working folder for a user's shell.
function commonArgs(place: (p: string) => string, spec: SimulationSpec): string[] {
  const args: string[] = ['-c', spec.config];
  if (spec.nedPath?.length) args.push('-n', spec.nedPath.map(place).join(':'));
  if (spec.nedExcludes?.length) args.push('-x', spec.nedExcludes.join(';'));
  for (const lib of spec.libraries ?? []) args.push('-l', place(lib));
  for (const ini of spec.iniFiles) args.push('-f', ini);
  return args;
}

/**
 * The simulations' environment with the folders of the spec's libraries first
 * on LD_LIBRARY_PATH, as the OMNeT++ IDE launches a run: a model executable
 * linked against a library project's `.so` (`-L../inet/src -lINET`) finds it
 * there, and so do libraries that link each other. Pure.
 */
export function withLibraryPath(root: string, spec: SimulationSpec, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const dirs = [...new Set((spec.libraries ?? []).map((lib) => dirname(resolvePath(root, lib))))];
  if (dirs.length === 0) return env;
  return { ...env, LD_LIBRARY_PATH: [...dirs, ...(env.LD_LIBRARY_PATH ? [env.LD_LIBRARY_PATH] : [])].join(':') };
}

/** `<exe> -s -q runs -c CONFIG [-r FILTER] ... -f INI`: asks OMNeT++ itself which runs exist and what each simulates. */
export function planCommand(root: string, spec: SimulationSpec): Command {
  const args = ['-s', '-q', 'runs', ...commonArgs((p) => resolvePath(root, p), spec)];
  if (spec.runFilter && spec.runFilter.trim() !== '') args.push('-r', spec.runFilter);
  return { executable: resolveExecutable(root, spec.executable), args, cwd: resolvePath(root, spec.workingDir) };
}

/**
 * `<exe> -s -u Cmdenv -c CONFIG -r N --result-dir=DIR
 * --cmdenv-redirect-output=true ...`: one run into its own result folder, as
 * opp_runall runs it: silent (one line per run on stdout, no banner lines in
 * the `.out`), its output into a `.out` there (unless the extra arguments
 * choose otherwise, which opp_runall respects too).
 */
export function runCommand(root: string, spec: SimulationSpec, run: number, resultDir: string): Command {
  const args = ['-s', '-u', 'Cmdenv', ...commonArgs((p) => resolvePath(root, p), spec), '-r', String(run), `--result-dir=${resultDir}`];
  const extra = spec.extraArgs ?? [];
  if (!extra.some((a) => a.startsWith('--cmdenv-redirect-output='))) args.push('--cmdenv-redirect-output=true');
  args.push(...extra);
  return { executable: resolveExecutable(root, spec.executable), args, cwd: resolvePath(root, spec.workingDir) };
}

// A spec path as seen from the working folder the user's shell has changed to.
function fromWorkingDir(workingDir: string, p: string): string {
  if (isAbsolute(p)) return p;
  const rel = posix.relative(posix.normalize(workingDir), posix.normalize(p));
  return rel === '' ? '.' : rel;
}

/**
 * The shell line that runs run `run` of the spec in a user's checkout (the
 * build root being the repository root): `cd WORKINGDIR && EXE -u Cmdenv ...
 * -r N EXTRA...`, quoted for a POSIX shell. The runner's own scratch result
 * folder and output redirection are left out: the results go where the ini
 * puts them, the output to the terminal. Pure.
 */
export function localCommandLine(spec: SimulationSpec, run: number): string {
  const place = (p: string) => fromWorkingDir(spec.workingDir, p);
  let exe = spec.executable;
  if (exe.includes('/')) {
    exe = place(exe);
    if (!exe.includes('/')) exe = `./${exe}`; // a bare name would be looked up on PATH
  }
  const args = ['-u', 'Cmdenv', ...commonArgs(place, spec), '-r', String(run), ...(spec.extraArgs ?? [])];
  const line = [exe, ...args].map(shellQuote).join(' ');
  const dir = posix.normalize(spec.workingDir || '.').replace(/(.)\/$/, '$1');
  return dir === '.' ? line : `cd ${shellQuote(dir)} && ${line}`;
}

// Characters a POSIX shell passes through literally outside quotes.
const SHELL_SAFE = /^[A-Za-z0-9_\-.,:/=@%+]+$/;

/** One word for a POSIX shell: as is when safe, else in single quotes (a `'` inside as `'\''`). Pure. */
export function shellQuote(word: string): string {
  if (SHELL_SAFE.test(word)) return word;
  return `'${word.replaceAll("'", "'\\''")}'`;
}
