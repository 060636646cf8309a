// Finds out how the simulations of the project in the user's folder are
// started, by what the project builds (not by `.nedfolders`, which every IDE
// project has): a standalone model runs its opp_makemake executable, a library
// project (INET, Simu5G, a model built with --make-so) runs through
// `opp_run -l`, and the library projects it uses (a submodule or a sibling
// folder, from `.project` or the Makefile's -L/-l) add their NED folders,
// exclusions and libraries, as the OMNeT++ IDE launches it. Every decision
// keeps its reason (`detection`): --dry-run prints them, the campaign records
// them.
import path from 'node:path';
import { CliError } from '../errors.ts';
import type { SimulationSpec } from '../../lib/engine/command.ts';
import { analyzeProject, libraryPath, usedProjects, type Analysis } from './analyze.ts';
import { findProjectRoot, isFile } from './observe.ts';
import { decideLaunch, type Launch } from './launch.ts';

/** How a simulation of the project is started, with paths relative to the repository root (portable to the cluster). */
export type ProjectSimulation = Required<Pick<SimulationSpec, 'executable' | 'nedPath' | 'nedExcludes' | 'libraries'>>;

export interface Project {
  /** `library`: opp_run loads the model's code (-l); `standalone`: the model's own executable. */
  kind: 'library' | 'standalone';
  /** Absolute path of the anchor all paths are relative to: the repository root, else the project root. */
  root: string;
  /** The simulation folder relative to the repository root (POSIX separators, `.` for the root itself). */
  workingDir: string;
  /** Ini files relative to the working directory. */
  iniFiles: string[];
  simulation: ProjectSimulation;
  /** Why each part was chosen, one line each: --dry-run prints them, the campaign records them. */
  detection: string[];
}

export interface DetectOptions {
  /** The folder the user ran the command in. */
  cwd: string;
  /** The repository root; the project root is looked for up to it. Undefined outside git (--local). */
  repoRoot: string | undefined;
  /** `-f` options; default `omnetpp.ini`. */
  iniFiles: string[];
  /** `--executable`: what runs, relative to `cwd`, instead of the detected one. */
  executable?: string | undefined;
  /** `--library` (repeatable): the shared libraries for `opp_run -l`, relative to `cwd`, instead of the detected ones. */
  libraries?: string[] | undefined;
  /** `--ned-path` (repeatable, `:`-separated): the NED folders, relative to `cwd`, instead of the detected ones. */
  nedPath?: string[] | undefined;
  /** `debug` runs the `_dbg` executable or `opp_run_dbg`, as OMNeT++ names the debug builds. */
  mode?: 'release' | 'debug' | undefined;
  /**
   * False on the cluster path: the cluster builds the model, so nothing need be built here yet, and the
   * projects used must be inside the repository (the cluster has only the repository).
   */
  requireBuilt?: boolean;
}

/** Detects the project containing `cwd`. Throws CliError naming what it looked for and the flag that overrides it. */
export async function detectProject(options: DetectOptions): Promise<Project> {
  const cwd = path.resolve(options.cwd);
  const repoRoot = options.repoRoot === undefined ? undefined : path.resolve(options.repoRoot);
  const iniFiles = options.iniFiles.length > 0 ? options.iniFiles : ['omnetpp.ini'];
  for (const ini of iniFiles) {
    if (!(await isFile(path.resolve(cwd, ini)))) {
      throw new CliError(
        `Ini file ${ini} not found in ${cwd}. Run inet-swarm in the simulation folder (where omnetpp.ini is) or name the ini files with -f.`,
      );
    }
  }
  const projectRoot = (await findProjectRoot(cwd, repoRoot)) ?? cwd;
  const anchor = repoRoot ?? projectRoot;
  const workingDir = toPosix(path.relative(anchor, cwd)) || '.';
  if (workingDir.startsWith('..')) {
    throw new CliError(`${cwd} is outside the repository ${anchor}.`);
  }
  const main = await analyzeProject(projectRoot, toPosix(path.relative(projectRoot, cwd)) || '.');
  const fromAnchor = (abs: string): string => toPosix(path.relative(anchor, abs)) || '.';
  if (options.requireBuilt === false) refuseOutside(main, anchor, fromAnchor);
  const run = await decideLaunch({ main, cwd, anchor, options, fromAnchor });
  return assemble(main, run, { anchor, workingDir, iniFiles, cwd, options, fromAnchor });
}

interface AssembleContext {
  anchor: string;
  workingDir: string;
  iniFiles: string[];
  cwd: string;
  options: DetectOptions;
  fromAnchor: (abs: string) => string;
}

/** The project's simulation command parts and their reasons: what runs, NED folders, exclusions, libraries. */
function assemble(main: Analysis, run: Launch, ctx: AssembleContext): Project {
  const uses = usedProjects(main);
  const detection = [run.reason];
  const nedPath: string[] = [];
  const nedExcludes: string[] = [];
  const own = main.folder.nedFolders === undefined ? [] : main.layout.folders.map((f) => ctx.fromAnchor(path.join(main.folder.root, f)));
  nedPath.push(...own);
  nedExcludes.push(...main.layout.exclusions);
  detection.push(
    main.folder.nedFolders === undefined
      ? 'NED folders: no .nedfolders, so OMNeT++ loads the NED files of the simulation folder'
      : `NED folders: ${own.join(', ')} (from .nedfolders); ${exclusionsReason(main)}`,
  );
  const libraries = [...run.libraries];
  for (const { analysis, via } of uses) {
    const folders = analysis.layout.folders.map((f) => ctx.fromAnchor(path.join(analysis.folder.root, f)));
    nedPath.push(...folders);
    nedExcludes.push(...analysis.layout.exclusions);
    const lib = analysis.target?.kind === 'library' ? libraryPath(analysis, ctx.fromAnchor) : undefined;
    if (lib !== undefined && ctx.options.libraries === undefined) libraries.push(lib);
    detection.push(
      `uses ${ctx.fromAnchor(analysis.folder.root)} (${via}): NED folders ${folders.join(', ')}; ${exclusionsReason(analysis)}; ` +
        (lib === undefined ? 'no library of its own' : `library ${lib}, because ${analysis.target?.reason ?? ''}`),
    );
  }
  detection.push(...main.notes.map((n) => `note: ${n}`));
  const simulation = {
    executable: run.executable,
    nedPath: [...new Set(nedPath)],
    nedExcludes: [...new Set(nedExcludes)],
    libraries: [...new Set(libraries)],
  };
  if (ctx.options.nedPath !== undefined) {
    simulation.nedPath = ctx.options.nedPath.flatMap((p) => p.split(':')).filter((p) => p !== '').map((p) => ctx.fromAnchor(path.resolve(ctx.cwd, p)));
    detection.push(`NED folders ${simulation.nedPath.join(', ')}: --ned-path, instead of the detected ones`);
  }
  return {
    kind: /^opp_run(_dbg|_release)?$/.test(path.posix.basename(run.executable)) ? 'library' : 'standalone',
    root: ctx.anchor,
    workingDir: ctx.workingDir,
    iniFiles: ctx.iniFiles,
    simulation,
    detection,
  };
}

function exclusionsReason(analysis: Analysis): string {
  const exclusions = analysis.layout.exclusions;
  if (exclusions.length > 0) return `NED exclusions ${exclusions.join(', ')}`;
  return analysis.folder.nedExclusions === undefined ? 'no .nedexclusions' : 'no NED exclusions';
}

/** The cluster has only the repository: a project used from a sibling folder must become a submodule. */
function refuseOutside(main: Analysis, anchor: string, fromAnchor: (abs: string) => string): void {
  for (const { analysis, via } of usedProjects(main)) {
    const rel = fromAnchor(analysis.folder.root);
    if (!rel.startsWith('..')) continue;
    throw new CliError(
      `The project uses ${path.resolve(anchor, rel)} (${via}), which is outside the repository ${anchor}: the ` +
        'cluster builds only the repository. Add it as a git submodule (git submodule add <url>), or run with --local.',
    );
  }
}

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
