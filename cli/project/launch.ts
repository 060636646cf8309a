// What is launched for a detected project, and why: the flags first
// (--executable, --library), then what the project builds (its executable, or
// opp_run for its library), then a program built by a hand-written Makefile,
// then opp_run for the libraries of the projects it uses. A project none of
// these explains gets a CliError naming what was looked for and the flags.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../errors.ts';
import { analyzeProject, libraryPath, usedProjects, type Analysis } from './analyze.ts';
import type { DetectOptions } from './detect.ts';
import { isExecutable, isFile, isNativeBinary, readText } from './observe.ts';
import { makefileExecutables } from './parse.ts';
import { LOOKED_FOR, type BuildTarget } from './target.ts';

/** What runs: the executable (relative to the anchor, or a name on PATH), the project's own libraries, why. */
export interface Launch {
  executable: string;
  libraries: string[];
  reason: string;
}

export interface LaunchInput {
  main: Analysis;
  cwd: string;
  anchor: string;
  options: DetectOptions;
  fromAnchor: (abs: string) => string;
}

/** Decides what runs; throws CliError when nothing says what. */
export async function decideLaunch(input: LaunchInput): Promise<Launch> {
  const { main, options } = input;
  const debug = options.mode === 'debug';
  const oppRun = debug ? 'opp_run_dbg' : 'opp_run';
  const flagLibraries = options.libraries?.map((l) => input.fromAnchor(path.resolve(input.cwd, l)));
  if (options.executable !== undefined) return fromExecutableFlag(input, options.executable, oppRun, flagLibraries);
  if (flagLibraries !== undefined) {
    return { executable: oppRun, libraries: flagLibraries, reason: `runs ${oppRun} -l ${flagLibraries.join(' -l ')}: --library` };
  }
  const target = main.target;
  if (target?.kind === 'executable') return ownExecutable(input, target, debug);
  if (target?.kind === 'library') return ownLibrary(input, oppRun);
  const built = await findBuiltExecutable(input.cwd, debug);
  if (built !== undefined) {
    return { executable: relativeExecutable(input.fromAnchor(path.join(input.cwd, built.name))), libraries: [], reason: `runs ./${built.name}: ${built.why}` };
  }
  const usedLibrary = usedProjects(main).find((u) => u.analysis.target?.kind === 'library');
  if (usedLibrary !== undefined) {
    return {
      executable: oppRun,
      libraries: [],
      reason: `runs ${oppRun}: the project builds no code of its own (no ${LOOKED_FOR}), and loads the libraries of the projects it uses`,
    };
  }
  if (options.requireBuilt === false) return clusterGuess(input);
  throw new CliError(
    `No simulation found in ${input.cwd}: looked for ${LOOKED_FOR}, a library project that .project references or ` +
      'the Makefile links (-L/-l), and a built program (a Makefile rule\'s target, one named after the folder, the only ' +
      'native executable there). Build the model first (make, or make makefiles && make), or say what to run: ' +
      '--executable <path> for the model\'s program, --library <path> (with --ned-path <folders>) for opp_run -l.',
  );
}

/** `--executable`: as given, except INET's `bin/inet` launcher script, which needs INET's setenv: what it runs instead. */
async function fromExecutableFlag(input: LaunchInput, executable: string, oppRun: string, flagLibraries: string[] | undefined): Promise<Launch> {
  if (/^opp_run(_dbg|_release)?$/.test(executable)) {
    return { executable, libraries: flagLibraries ?? [], reason: `runs ${executable} from the PATH: --executable` };
  }
  const abs = path.resolve(input.cwd, executable);
  const launcherRoot = path.dirname(path.dirname(abs));
  if (path.basename(abs) === 'inet' && path.basename(path.dirname(abs)) === 'bin' && (await isFile(path.join(launcherRoot, '.nedfolders')))) {
    const inet = launcherRoot === input.main.folder.root ? input.main : await analyzeProject(launcherRoot);
    const lib = libraryPath(inet, input.fromAnchor) ?? input.fromAnchor(path.join(launcherRoot, 'src', 'INET'));
    const libraries = flagLibraries ?? [lib];
    return {
      executable: oppRun,
      libraries,
      reason: `runs ${oppRun} -l ${libraries.join(' -l ')}: --executable names bin/inet, INET's launcher script, which needs INET's setenv; this is what it runs`,
    };
  }
  return { executable: relativeExecutable(input.fromAnchor(abs)), libraries: flagLibraries ?? [], reason: `runs ${executable}: --executable` };
}

async function ownExecutable(input: LaunchInput, target: BuildTarget, debug: boolean): Promise<Launch> {
  const name = debug ? `${target.name}_dbg` : target.name;
  const abs = path.join(input.main.folder.root, target.dir, name);
  const rel = relativeExecutable(input.fromAnchor(abs));
  if (input.options.requireBuilt !== false && !(await isExecutable(abs))) {
    const other = path.join(input.main.folder.root, target.dir, debug ? target.name : `${target.name}_dbg`);
    const hint = (await isExecutable(other)) ? ` (the ${debug ? 'release' : 'debug'} build is there: --mode ${debug ? 'release' : 'debug'})` : '';
    const dir = input.fromAnchor(path.join(input.main.folder.root, target.dir));
    const make = `${dir === '.' ? '' : `cd ${dir} && `}make${debug ? ' MODE=debug' : ''}`;
    throw new CliError(
      `${capitalize(target.reason)}, but ${rel} is not built${hint}. Build it first (${make}), or name what to run with --executable <path>.`,
    );
  }
  return { executable: rel, libraries: [], reason: `runs ${rel}: ${target.reason}` };
}

async function ownLibrary(input: LaunchInput, oppRun: string): Promise<Launch> {
  const lib = libraryPath(input.main, input.fromAnchor) ?? '';
  const target = input.main.target;
  const dir = path.join(input.main.folder.root, target?.dir ?? '.');
  const built = (await readdir(dir).catch(() => [] as string[])).some((e) => e.startsWith(`lib${target?.name ?? ''}`) && /\.(so|dylib|dll)$/.test(e));
  if (input.options.requireBuilt !== false && !built) {
    throw new CliError(
      `${capitalize(target?.reason ?? '')}, but lib${target?.name ?? ''}.so is not built in ${input.fromAnchor(dir)}. ` +
        'Build it first (make makefiles && make, or make in that folder), or name the library with --library <path>.',
    );
  }
  return { executable: oppRun, libraries: [lib], reason: `runs ${oppRun} -l ${lib}: ${target?.reason ?? ''}` };
}

/** Before the first build on the cluster: opp_makemake's default target (the Makefile's first rule, else the folder's name). */
async function clusterGuess(input: LaunchInput): Promise<Launch> {
  const makefile = await readText(path.join(input.cwd, 'Makefile'));
  const name = (makefile === undefined ? [] : makefileExecutables(makefile))[0] ?? path.basename(input.cwd);
  const rel = relativeExecutable(input.fromAnchor(path.join(input.cwd, name)));
  return { executable: rel, libraries: [], reason: `runs ${rel}: nothing is built here yet and no opp_makemake Makefile names a target, so the build's opp_makemake -o ${name}` };
}

/** A program built here without an opp_makemake Makefile: a hand-written Makefile's target, the folder's name, the only native binary. */
async function findBuiltExecutable(dir: string, debug: boolean): Promise<{ name: string; why: string } | undefined> {
  const makefile = await readText(path.join(dir, 'Makefile'));
  const candidates: Array<{ name: string; why: string }> = [
    ...(makefile === undefined ? [] : makefileExecutables(makefile)).map((name) => ({ name, why: 'the Makefile builds it (a rule of a Makefile opp_makemake did not write)' })),
    { name: path.basename(dir), why: 'a program named after the folder, as opp_makemake names it by default' },
  ];
  for (const candidate of debug ? candidates.flatMap((c) => [{ ...c, name: `${c.name}_dbg` }, c]) : candidates) {
    if (await isExecutable(path.join(dir, candidate.name))) return candidate;
  }
  const binaries: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if ((await isExecutable(path.join(dir, name))) && (await isNativeBinary(path.join(dir, name)))) binaries.push(name);
  }
  return binaries.length === 1 && binaries[0] !== undefined ? { name: binaries[0], why: 'the only native executable in the folder' } : undefined;
}

/** A bare name would be looked up on PATH: `./oppsim` for an executable at the anchor. */
function relativeExecutable(p: string): string {
  return p.includes('/') ? p : `./${p}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
