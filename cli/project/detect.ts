// Finds out what kind of OMNeT++ project the user is in and how its
// simulations are started: INET-style projects (a `.nedfolders` file, a shared
// library started through opp_run) or a standalone model with its own
// executable as opp_makemake builds it.
import { access, constants, open, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../errors.ts';
import type { SimulationSpec } from '../../lib/engine/command.ts';
import { makefileExecutables, parseNedLayout } from './parse.ts';

/** How a simulation of the project is started, with paths relative to the repository root (portable to the cluster). */
export type ProjectSimulation = Required<Pick<SimulationSpec, 'executable' | 'nedPath' | 'nedExcludes' | 'libraries'>>;

export interface Project {
  kind: 'inet' | 'standalone';
  /** Absolute path of the project root (the folder with `.nedfolders`, else the repository root). */
  root: string;
  /** The simulation folder relative to the repository root (POSIX separators, `.` for the root itself). */
  workingDir: string;
  /** Ini files relative to the working directory. */
  iniFiles: string[];
  simulation: ProjectSimulation;
}

export interface DetectOptions {
  /** The folder the user ran the command in. */
  cwd: string;
  /** The repository root; detection never looks above it. Undefined outside git (--local). */
  repoRoot: string | undefined;
  /** `-f` options; default `omnetpp.ini`. */
  iniFiles: string[];
  /** `--executable`: overrides detection of the standalone executable. */
  executable?: string | undefined;
  /**
   * False on the cluster path: the cluster builds the model, so a standalone executable need not exist
   * here yet and defaults to the folder's name (opp_makemake's default target).
   */
  requireBuilt?: boolean;
}

/** Detects the project containing `cwd`. Throws CliError when an ini file is missing. */
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
  const inetRoot = options.executable === undefined ? await findUp(cwd, repoRoot, '.nedfolders') : undefined;
  const anchor = repoRoot ?? inetRoot ?? cwd;
  const workingDir = toPosix(path.relative(anchor, cwd)) || '.';
  if (workingDir.startsWith('..')) {
    throw new CliError(`${cwd} is outside the repository ${anchor}.`);
  }

  if (inetRoot !== undefined) return inetProject(inetRoot, anchor, workingDir, iniFiles);

  const executable = options.executable ?? (await findExecutable(cwd, options.requireBuilt !== false));
  if (executable === undefined) {
    throw new CliError(
      `No simulation found in ${cwd}: no .nedfolders file in it or above it (an INET-style project), and no ` +
        'executable built by opp_makemake (a Makefile target, or a program named after the folder). ' +
        'Build the model first (make), or name its executable with --executable.',
    );
  }
  return {
    kind: 'standalone',
    root: anchor,
    workingDir,
    iniFiles,
    simulation: {
      // Relative to the repository root, like every path of the spec.
      // A bare name would be looked up on PATH: `./oppsim` for an executable at the root.
      executable: relativeExecutable(toPosix(path.relative(anchor, path.resolve(cwd, executable)))),
      nedPath: [],
      nedExcludes: [],
      libraries: [],
    },
  };
}

/** An INET-style project: opp_run with the NED folders and shared libraries under `inetRoot`, as paths from `anchor`. */
async function inetProject(inetRoot: string, anchor: string, workingDir: string, iniFiles: string[]): Promise<Project> {
  const layout = parseNedLayout(
    await readFile(path.join(inetRoot, '.nedfolders'), 'utf8'),
    await readFile(path.join(inetRoot, '.nedexclusions'), 'utf8').catch(() => ''),
  );
  const prefix = toPosix(path.relative(anchor, inetRoot));
  const fromAnchor = (p: string): string => (prefix === '' ? p : p === '.' ? prefix : `${prefix}/${p}`);
  return {
    kind: 'inet',
    root: anchor,
    workingDir,
    iniFiles,
    simulation: {
      executable: 'opp_run',
      nedPath: layout.folders.map(fromAnchor),
      nedExcludes: layout.exclusions,
      libraries: (await findLibraries(inetRoot)).map(fromAnchor),
    },
  };
}

async function findUp(from: string, stopAt: string | undefined, file: string): Promise<string | undefined> {
  let dir = from;
  for (;;) {
    if (await isFile(path.join(dir, file))) return dir;
    if (stopAt !== undefined && dir === stopAt) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Built shared libraries in `src/` (`libINET.so`, `libINET_dbg.so` -> `src/INET`); INET's name when none is built yet. */
async function findLibraries(root: string): Promise<string[]> {
  const src = path.join(root, 'src');
  const names = await readdir(src).catch(() => [] as string[]);
  const libs = new Set<string>();
  for (const name of names) {
    const match = /^lib(.+?)(_dbg)?\.(so|dylib)$/.exec(name);
    if (match?.[1]) libs.add(`src/${match[1]}`);
  }
  if (libs.size === 0 && (names.includes('inet') || names.includes('Makefile'))) libs.add('src/INET');
  return [...libs].sort();
}

/**
 * The standalone executable: the Makefile's target, a program named after the folder, or the only
 * native executable in the folder. With `requireBuilt` false, the best guess even if not built.
 */
async function findExecutable(dir: string, requireBuilt: boolean): Promise<string | undefined> {
  const makefile = await readFile(path.join(dir, 'Makefile'), 'utf8').catch(() => undefined);
  const candidates = [...(makefile === undefined ? [] : makefileExecutables(makefile)), path.basename(dir)];
  for (const candidate of candidates) {
    if (await isExecutable(path.join(dir, candidate))) return candidate;
  }
  const binaries: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if ((await isExecutable(path.join(dir, name))) && (await isNativeBinary(path.join(dir, name)))) binaries.push(name);
  }
  if (binaries.length === 1) return binaries[0];
  return requireBuilt ? undefined : candidates[0];
}

/** ELF (Linux) or Mach-O (macOS) magic: a compiled program, not a script. */
async function isNativeBinary(p: string): Promise<boolean> {
  const handle = await open(p, 'r').catch(() => undefined);
  if (handle === undefined) return false;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    if (bytesRead < 4) return false;
    const magic = buffer.readUInt32BE(0);
    return magic === 0x7f454c46 || magic === 0xcffaedfe || magic === 0xcefaedfe;
  } finally {
    await handle.close();
  }
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function isExecutable(p: string): Promise<boolean> {
  if (!(await isFile(p))) return false;
  return access(p, constants.X_OK).then(
    () => true,
    () => false,
  );
}

function relativeExecutable(p: string): string {
  return p.includes('/') ? p : `./${p}`;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
