// Parsers for the project files OMNeT++ and opp_makemake write: `.nedfolders`
// and `.nedexclusions`, and the executable a Makefile builds. Pure, so the
// formats are covered by table tests.
import { parseGeneratedMakefile } from './makefile.ts';

/** NED source folders and excluded NED packages, as listed by `.nedfolders` and `.nedexclusions`. */
export interface NedLayout {
  folders: string[];
  exclusions: string[];
}

/**
 * Parses `.nedfolders` (one folder per line, relative to the project root; in OMNeT++ 6 a line
 * starting with `-` names an excluded package) and `.nedexclusions` (one package per line).
 * Blank lines and `#` comments are skipped.
 */
export function parseNedLayout(nedFolders: string, nedExclusions = ''): NedLayout {
  const folders: string[] = [];
  const exclusions: string[] = [];
  for (const line of lines(nedFolders)) {
    if (line.startsWith('-')) exclusions.push(line.slice(1).trim());
    else folders.push(line.replace(/\/+$/, '') || '.');
  }
  for (const line of lines(nedExclusions)) exclusions.push(line);
  return { folders, exclusions: [...new Set(exclusions.filter((e) => e !== ''))] };
}

function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * Returns the executable an opp_makemake Makefile builds (its `-o` target), or undefined when the
 * Makefile builds a library or names no target. OMNeT++ 6 writes `TARGET_NAME = aloha$(D)`,
 * OMNeT++ 5 `TARGET = aloha$(EXE_SUFFIX)`; `$(D)` is empty in release mode.
 */
export function parseMakefileTarget(makefile: string): string | undefined {
  const parsed = parseGeneratedMakefile(makefile);
  return parsed?.kind === 'executable' ? parsed.name : undefined;
}

/**
 * Candidate executables a Makefile builds, best first: opp_makemake's target, then the first
 * explicit rule's target (hand-written Makefiles such as `oppsim: $(OBJS)`), skipping `all`,
 * special targets and pattern rules.
 */
export function makefileExecutables(makefile: string): string[] {
  const result: string[] = [];
  const target = parseMakefileTarget(makefile);
  if (target !== undefined) result.push(target);
  for (const raw of makefile.split(/\r?\n/)) {
    const match = /^([A-Za-z0-9_./-]+)\s*:(?!=)/.exec(raw);
    if (!match) continue;
    const name = match[1] ?? '';
    if (name === 'all' || name.startsWith('.') || /\.(o|so|a|d|h|c|cc|cpp)$/.test(name)) continue;
    if (!result.includes(name)) result.push(name);
    break;
  }
  return result;
}
