// What an OMNeT++ project builds, read from the files opp_makemake works with:
// its options (a Makefile's `opp_makemake ...` rule, `.oppbuildspec`, the
// "generated with the command" comment) and the Makefiles it writes
// (`TARGET_NAME = aloha$(D)`, `TARGET = $(TARGET_NAME)$(SHARED_LIB_SUFFIX)`,
// `LIBS = $(LDFLAG_LIBPATH)../inet/src -lINET$(D)`). Pure, so every form is a
// table test; detect.ts reads the files.

/** What a Makefile's target is: a program, a shared library (`opp_run -l`), a static one, or nothing linked. */
export type TargetKind = 'executable' | 'shared-library' | 'static-library' | 'nolink';

/** The parts of opp_makemake's options that say what is built and what it links against. */
export interface MakemakeOptions {
  kind: TargetKind;
  /** `-o NAME`; opp_makemake's default is the Makefile folder's name. */
  name?: string | undefined;
  /** `-L` folders, relative to the Makefile's folder (variables expanded where they are known). */
  libPaths: string[];
  /** `-l` names, with `$(D)` (the `_dbg` of debug builds) removed. */
  libs: string[];
}

/** A Makefile that opp_makemake wrote: its target and the libraries it links. */
export interface GeneratedMakefile extends MakemakeOptions {
  /** The opp_makemake command line from the file's opening comment, when it has one. */
  command?: string | undefined;
}

const MAKE_VAR = /\$\$?\\?\(([A-Za-z_][A-Za-z0-9_]*)\\?\)/g;

/** Parses an opp_makemake command line (`--make-so -f --deep -o INET -KINET_PROJ=../inet -L$(INET_PROJ)/src -lINET$(D)`). */
export function parseMakemakeOptions(commandLine: string, vars: ReadonlyMap<string, string> = new Map()): MakemakeOptions {
  const raw = expand(commandLine, vars).split(/\s+/).filter((t) => t !== '');
  // -K NAME=VALUE defines a variable the other options may use, as opp_makemake writes it into the Makefile.
  const known = new Map(vars);
  for (const [i, token] of raw.entries()) {
    const definition = token === '-K' ? raw[i + 1] : token.startsWith('-K') ? token.slice(2) : undefined;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(definition ?? '');
    if (match?.[1] !== undefined) known.set(match[1], match[2] ?? '');
  }
  const tokens = raw.map((t) => expand(t, known));
  const options: MakemakeOptions = { kind: 'executable', libPaths: [], libs: [] };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    const value = (flag: string): string | undefined => (token === flag ? tokens[++i] : token.slice(flag.length));
    if (token === '--make-so' || token === '-s') options.kind = 'shared-library';
    else if (token === '--make-lib' || token === '-a') options.kind = 'static-library';
    else if (token === '--nolink' || token === '-n') options.kind = 'nolink';
    else if (token.startsWith('--')) continue;
    else if (token.startsWith('-o')) options.name = value('-o') || undefined;
    else if (token.startsWith('-L')) pushResolved(options.libPaths, value('-L'));
    else if (token.startsWith('-l')) pushResolved(options.libs, value('-l'));
  }
  return options;
}

/**
 * Parses a Makefile opp_makemake generated (OMNeT++ 4 to 6 forms), or returns undefined for one it did not
 * (a hand-written Makefile, or INET's top-level one that only calls opp_makemake).
 */
export function parseGeneratedMakefile(text: string): GeneratedMakefile | undefined {
  const vars = makeVariables(text);
  const command = generatedCommand(text);
  const target = vars.get('TARGET');
  const targetName = vars.get('TARGET_NAME');
  if (command === undefined && !isGeneratedTarget(targetName) && !isGeneratedTarget(target)) return undefined;
  const fromCommand = command === undefined ? undefined : parseMakemakeOptions(command, vars);
  const full = expand(target ?? targetName ?? '', vars, true);
  const kind = targetKind(full) ?? fromCommand?.kind ?? 'executable';
  const links = parseMakemakeOptions((vars.get('LIBS') ?? '').replace(/\$\(LDFLAG_LIBPATH\)/g, '-L'), vars);
  return {
    kind,
    name: targetBaseName(expand(targetName ?? target ?? '', vars, true), kind) ?? fromCommand?.name,
    libPaths: links.libPaths.length > 0 ? links.libPaths : (fromCommand?.libPaths ?? []),
    libs: links.libs.length > 0 ? links.libs : (fromCommand?.libs ?? []),
    command,
  };
}

/** Where a hand-written Makefile runs opp_makemake for `make makefiles` (INET's form): the folder and the options. */
export interface MakefilesRule {
  /** The folder the rule `cd`s into, relative to the Makefile's folder (`.` without a cd). */
  dir: string;
  options: MakemakeOptions;
  /** The command as written, for the reason shown to the user. */
  command: string;
}

/** Follows `makefiles:` (and what it depends on, `makefiles-so`) to its `cd DIR && opp_makemake ...` line. */
export function parseMakefilesRule(text: string): MakefilesRule | undefined {
  const rules = makeRules(text);
  const vars = makeVariables(text);
  const seen = new Set<string>();
  const queue = rules.has('makefiles') ? ['makefiles'] : [...rules.keys()];
  while (queue.length > 0) {
    const name = queue.shift() ?? '';
    if (seen.has(name)) continue;
    seen.add(name);
    const rule = rules.get(name);
    if (rule === undefined) continue;
    for (const line of rule.recipe) {
      const match = /(?:cd\s+(\S+)\s*&&\s*)?(opp_makemake\b.*?)(?:&&|;|\|\||$)/.exec(line);
      if (match?.[2] === undefined) continue;
      const command = match[2].trim();
      return { dir: stripDot(match[1] ?? '.'), options: parseMakemakeOptions(command.slice('opp_makemake'.length), vars), command };
    }
    queue.push(...rule.deps);
  }
  return undefined;
}

/** Variable assignments (`A = x`, `A := x`, `A=x`), the first of each name; `+=` lines are left out. */
export function makeVariables(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of joinContinuations(text)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::|\?)?=\s*(.*?)\s*$/.exec(line);
    if (match?.[1] !== undefined && !vars.has(match[1])) vars.set(match[1], match[2] ?? '');
  }
  return vars;
}

/**
 * Expands `$(VAR)` (and the `$$\(VAR\)` escapes of a Makefile rule) from `vars`. `$(D)` (`_dbg` in debug
 * builds) is dropped unless `keepD`; unknown variables stay as `$(VAR)`, so a path using one is recognised.
 */
function expand(text: string, vars: ReadonlyMap<string, string>, keepD = false, depth = 0): string {
  return text.replace(MAKE_VAR, (_whole: string, name: string) => {
    if (name === 'D') return keepD ? '$(D)' : '';
    const value = vars.get(name);
    if (value === undefined || depth > 8) return `$(${name})`;
    return expand(value, vars, keepD, depth + 1);
  });
}

function generatedCommand(text: string): string | undefined {
  const match = /^#\s*This file was generated with the command:\s*\r?\n#\s*opp_makemake\b(.*)$/m.exec(text);
  return match?.[1]?.trim();
}

function isGeneratedTarget(value: string | undefined): boolean {
  return value !== undefined && /\$\((D|EXE_SUFFIX|SHARED_LIB_SUFFIX|A_LIB_SUFFIX|LIB_PREFIX|TARGET_NAME)\)/.test(value);
}

function targetKind(target: string): TargetKind | undefined {
  if (/\$\(SHARED_LIB_SUFFIX\)|\.(so|dylib|dll)$/.test(target)) return 'shared-library';
  if (/\$\(A_LIB_SUFFIX\)|\.a$/.test(target)) return 'static-library';
  if (/\$\(LIB_PREFIX\)/.test(target)) return 'shared-library';
  if (/\$\(EXE_SUFFIX\)/.test(target)) return 'executable';
  return undefined;
}

/** `$(LIB_PREFIX)INET$(D)` -> `INET`, `libinet$(SHARED_LIB_SUFFIX)` -> `inet`, `aloha$(D)$(EXE_SUFFIX)` -> `aloha`. */
function targetBaseName(target: string, kind: TargetKind): string | undefined {
  let name = target.replace(MAKE_VAR, '').replace(/\.(so|dylib|dll|a|exe)$/, '');
  name = stripDebug(name);
  if (kind !== 'executable' && !/\$\(LIB_PREFIX\)/.test(target)) name = name.replace(/^lib/, '');
  return name === '' ? undefined : name;
}

function makeRules(text: string): Map<string, { deps: string[]; recipe: string[] }> {
  const rules = new Map<string, { deps: string[]; recipe: string[] }>();
  let current: { deps: string[]; recipe: string[] } | undefined;
  for (const line of joinContinuations(text)) {
    if (line.startsWith('\t')) {
      current?.recipe.push(line.trim());
      continue;
    }
    const match = /^([A-Za-z0-9_.%/-]+(?:\s+[A-Za-z0-9_.%/-]+)*)\s*:(?!=)\s*(.*)$/.exec(line);
    current = undefined;
    if (match?.[1] === undefined) continue;
    const rule = { deps: (match[2] ?? '').split(/\s+/).filter((d) => d !== '' && !d.startsWith('$')), recipe: [] as string[] };
    for (const target of match[1].split(/\s+/)) if (!rules.has(target)) rules.set(target, rule);
    current = rule;
  }
  return rules;
}

function joinContinuations(text: string): string[] {
  return text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
}

function stripDebug(name: string): string {
  return name.replace(/\$\(D\)/g, '').trim();
}

function stripDot(dir: string): string {
  const clean = dir.replace(/\/+$/, '').replace(/^\.\//, '');
  return clean === '' ? '.' : clean;
}

/** Keeps a value whose variables are all known (a `-L$(UNKNOWN)/src` says nothing about where). */
function pushResolved(list: string[], value: string | undefined): void {
  if (value !== undefined && value !== '' && !value.includes('$(')) list.push(value);
}
