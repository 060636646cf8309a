// Reads what detection looks at from the disk: a project folder's files
// (target.ts decides from them), the root of the project a folder belongs to,
// and where a project named in `.project` is (beside the project, as the IDE's
// workspace has it, or inside it, as a git submodule).
import { access, constants, open, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseBuildSpec, parseEclipseProject, type EclipseProject } from './eclipse.ts';
import type { FolderFiles } from './target.ts';

/** A project folder as read from the disk. */
export interface ProjectFolder extends FolderFiles {
  /** Absolute path of the project root. */
  root: string;
  nedFolders?: string | undefined;
  nedExclusions?: string | undefined;
  eclipse?: EclipseProject | undefined;
}

/** The files that mark an OMNeT++ project root (the IDE writes both). */
const PROJECT_MARKERS = ['.project', '.nedfolders'];

/** Reads a project folder; `simulationDir` (relative to the root) is consulted first for a Makefile. */
export async function readProjectFolder(root: string, simulationDir = '.'): Promise<ProjectFolder> {
  const [nedFolders, nedExclusions, dotProject, buildSpec, srcEntries, inetLauncher] = await Promise.all([
    readText(path.join(root, '.nedfolders')),
    readText(path.join(root, '.nedexclusions')),
    readText(path.join(root, '.project')),
    readText(path.join(root, '.oppbuildspec')),
    readdir(path.join(root, 'src')).catch(() => [] as string[]),
    isFile(path.join(root, 'bin', 'inet')),
  ]);
  const dirs = [simulationDir, '.', 'src', ...parseBuildSpec(buildSpec ?? '').map((f) => f.path)];
  const makefiles: FolderFiles['makefiles'] = [];
  for (const dir of [...new Set(dirs)]) {
    const text = await readText(path.join(root, dir, 'Makefile'));
    if (text !== undefined) makefiles.push({ dir, text });
  }
  return {
    root,
    name: path.basename(root),
    makefiles,
    buildSpec,
    srcEntries: srcEntries.sort(),
    inetLauncher,
    nedFolders,
    nedExclusions,
    eclipse: dotProject === undefined ? undefined : parseEclipseProject(dotProject),
  };
}

/** The nearest folder from `from` up to `stopAt` (or the file system's root) with `.project` or `.nedfolders`. */
export async function findProjectRoot(from: string, stopAt: string | undefined): Promise<string | undefined> {
  let dir = from;
  for (;;) {
    for (const marker of PROJECT_MARKERS) if (await isFile(path.join(dir, marker))) return dir;
    if (stopAt !== undefined && dir === stopAt) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Where the project `name` of a `.project` reference is: a folder of that name (or whose `.project` has that
 * name) inside the referencing project, one level deeper (`extern/inet`, `lib/inet`), or beside it.
 */
export async function resolveReference(name: string, fromRoot: string): Promise<string | undefined> {
  const parent = path.dirname(fromRoot);
  const places = [fromRoot, ...(await subfolders(fromRoot)), parent];
  for (const place of places) {
    const direct = path.join(place, name);
    if (direct !== fromRoot && (await isProject(direct))) return direct;
  }
  for (const place of places) {
    for (const candidate of await subfolders(place)) {
      if (candidate === fromRoot) continue;
      const eclipse = await readText(path.join(candidate, '.project'));
      if (eclipse !== undefined && parseEclipseProject(eclipse).name === name) return candidate;
    }
  }
  return undefined;
}

async function isProject(dir: string): Promise<boolean> {
  for (const marker of PROJECT_MARKERS) if (await isFile(path.join(dir, marker))) return true;
  return false;
}

const SKIPPED = new Set(['.git', 'node_modules', 'out', 'results']);

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && !SKIPPED.has(e.name))
    .map((e) => path.join(dir, e.name))
    .sort();
}

export async function readText(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}

export async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function isExecutable(p: string): Promise<boolean> {
  if (!(await isFile(p))) return false;
  return access(p, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** ELF (Linux) or Mach-O (macOS) magic: a compiled program, not a script. */
export async function isNativeBinary(p: string): Promise<boolean> {
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
