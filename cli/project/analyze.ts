// One project and the library projects it uses, as the OMNeT++ IDE combines
// them when it launches a simulation: the projects its `.project` references
// and the ones its Makefile links (`-L../inet/src -lINET`), each read with its
// own NED folders, exclusions and build target, transitively (a model on
// Simu5G gets INET too).
import path from 'node:path';
import { parseNedLayout, type NedLayout } from './parse.ts';
import { findProjectRoot, readProjectFolder, resolveReference, type ProjectFolder } from './observe.ts';
import { findBuildTarget, type BuildTarget } from './target.ts';

/** A project folder with what it builds and the projects it uses. */
export interface Analysis {
  folder: ProjectFolder;
  /** NED folders relative to the project root; `.` when it has no `.nedfolders`. */
  layout: NedLayout;
  target: BuildTarget | undefined;
  uses: Use[];
  /** What was found but not used, and why. */
  notes: string[];
}

/** A project used by another, and how it was found. */
export interface Use {
  analysis: Analysis;
  /** E.g. `.project references inet`, `the Makefile links libINET from -L../inet/src`. */
  via: string;
}

/** Reads the project at `root` and, transitively, the projects it uses; `seen` breaks reference cycles. */
export async function analyzeProject(root: string, simulationDir = '.', seen = new Map<string, Analysis>()): Promise<Analysis> {
  const known = seen.get(root);
  if (known !== undefined) return known;
  const folder = await readProjectFolder(root, simulationDir);
  const analysis: Analysis = {
    folder,
    layout: folder.nedFolders === undefined ? { folders: ['.'], exclusions: parseNedLayout('', folder.nedExclusions).exclusions } : parseNedLayout(folder.nedFolders, folder.nedExclusions ?? ''),
    target: findBuildTarget(folder),
    uses: [],
    notes: [],
  };
  seen.set(root, analysis);
  await addReferences(analysis, seen);
  await addLinkedProjects(analysis, seen);
  return analysis;
}

async function addReferences(analysis: Analysis, seen: Map<string, Analysis>): Promise<void> {
  const root = analysis.folder.root;
  for (const name of analysis.folder.eclipse?.references ?? []) {
    const found = await resolveReference(name, root);
    if (found === undefined) {
      analysis.notes.push(`.project references ${name}, but no project ${name} is inside ${path.basename(root)} or beside it`);
      continue;
    }
    addUse(analysis, await analyzeProject(found, '.', seen), `.project references ${name}`);
  }
}

/** `-L` folders that are (in) another project whose library the Makefile links with `-l`. */
async function addLinkedProjects(analysis: Analysis, seen: Map<string, Analysis>): Promise<void> {
  const target = analysis.target;
  const root = analysis.folder.root;
  for (const libPath of target?.libPaths ?? []) {
    const dir = path.resolve(root, libPath);
    const projectRoot = await findProjectRoot(dir, undefined);
    if (projectRoot === undefined || projectRoot === root) continue;
    const used = await analyzeProject(projectRoot, '.', seen);
    const name = used.target?.kind === 'library' ? used.target.name : undefined;
    if (name === undefined || (target !== undefined && target.libs.length > 0 && !target.libs.includes(name))) {
      analysis.notes.push(`the Makefile's -L${libPath} is in ${path.basename(projectRoot)}, whose library it does not link`);
      continue;
    }
    addUse(analysis, used, `the Makefile links lib${name} from -L${libPath}`);
  }
}

function addUse(analysis: Analysis, used: Analysis, via: string): void {
  if (used === analysis || analysis.uses.some((u) => u.analysis === used)) return;
  analysis.uses.push({ analysis: used, via });
}

/** Every project `main` uses, transitively, each once, in the order the IDE adds them (depth first). */
export function usedProjects(main: Analysis): Use[] {
  const result: Use[] = [];
  const visit = (analysis: Analysis): void => {
    for (const use of analysis.uses) {
      if (use.analysis === main || result.some((u) => u.analysis === use.analysis)) continue;
      result.push(use);
      visit(use.analysis);
    }
  };
  visit(main);
  return result;
}

/** The path `opp_run -l` takes for a library project's library: its folder and name, without `lib`, `.so` and `_dbg`. */
export function libraryPath(analysis: Analysis, fromAnchor: (abs: string) => string): string | undefined {
  const target = analysis.target;
  if (target?.kind !== 'library') return undefined;
  return fromAnchor(path.join(analysis.folder.root, target.dir, target.name));
}
