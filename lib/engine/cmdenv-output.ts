// What OMNeT++'s Cmdenv output says about how a run failed. Pure: simulate.ts
// scans the output with it and reads the `.out` file it points to. Without
// output redirection the `<!> Error: ...` line is on stderr; with
// `--cmdenv-redirect-output=true` (every attempt uses it) stderr holds only
// `<!> Error -- see results/<run>.out for details` and the line is in that file.
import { isAbsolute, relative, resolve, sep } from 'node:path';

const ERROR_PREFIX = '<!> Error:';
const POINTER = /<!> Error -- see (.+) for details\s*$/;

/** What an output says about an error: its line (after the prefix), and where a redirected one went. */
export interface ErrorReport {
  errorLine?: string;
  /** The `.out` path of `<!> Error -- see PATH for details`, as printed (relative to the simulation's cwd). */
  pointer?: string;
}

/** Finds OMNeT++'s error line in a text; returns the message after the prefix. */
export function findErrorLine(text: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(ERROR_PREFIX);
    if (at >= 0) return line.slice(at + ERROR_PREFIX.length).trim();
  }
  return undefined;
}

/** Finds the first error line and the first pointer to a redirected one, each wherever it is. */
export function findErrorReport(text: string): ErrorReport {
  const errorLine = findErrorLine(text);
  let pointer: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    pointer = POINTER.exec(line)?.[1];
    if (pointer !== undefined) break;
  }
  return { ...(errorLine !== undefined ? { errorLine } : {}), ...(pointer !== undefined ? { pointer } : {}) };
}

/** The first report's findings, the second's where the first has none. */
export function mergeReports(first: ErrorReport, second: ErrorReport): ErrorReport {
  return { ...second, ...first };
}

/**
 * The file a pointer names, resolved against the simulation's working
 * directory, or undefined unless it is a `.out` file inside the attempt's
 * result folder: the simulation is untrusted, and its pointer must not make
 * the runner read any other file.
 */
export function pointerTarget(pointer: string, cwd: string, resultDir: string): string | undefined {
  const target = resolve(cwd, pointer);
  return target.endsWith('.out') && isInside(target, resolve(cwd, resultDir)) ? target : undefined;
}

/** Whether `path` lies inside the folder `dir` (both absolute and normalized). */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** The sentence recorded when a pointer's file cannot be read: the pointer itself, without the prefix. */
export function pointerMessage(pointer: string): string {
  return `Error -- see ${pointer} for details`;
}
