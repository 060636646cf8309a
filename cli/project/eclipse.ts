// The OMNeT++ IDE's project files: `.project` (the Eclipse project's name and
// the projects it references, whose NED folders and libraries the IDE adds
// when it launches a simulation) and `.oppbuildspec` (the folders the IDE runs
// opp_makemake in, with its options). Pure; detect.ts reads the files.

/** What `.project` says: the project's name and the names of the projects it references. */
export interface EclipseProject {
  name: string | undefined;
  references: string[];
}

/** A folder of `.oppbuildspec` the IDE builds with opp_makemake, and the options it passes. */
export interface BuildSpecFolder {
  /** Relative to the project root, `.` for the root itself. */
  path: string;
  makemakeOptions: string;
}

/** Parses `.project`: `<name>` (the first, the project's own) and each `<projects><project>`. */
export function parseEclipseProject(xml: string): EclipseProject {
  const withoutComments = xml.replace(/<!--[\s\S]*?-->/g, '');
  const name = /<name>\s*([^<]*?)\s*<\/name>/.exec(withoutComments)?.[1];
  const block = /<projects>([\s\S]*?)<\/projects>/.exec(withoutComments)?.[1] ?? '';
  const references = [...block.matchAll(/<project>\s*([^<]*?)\s*<\/project>/g)]
    .map((m) => decodeXml(m[1] ?? ''))
    .filter((r) => r !== '');
  return { name: name === undefined || name === '' ? undefined : decodeXml(name), references };
}

/** Parses `.oppbuildspec`: the `<dir type="makemake">` folders with their `makemake-options`. */
export function parseBuildSpec(xml: string): BuildSpecFolder[] {
  const folders: BuildSpecFolder[] = [];
  for (const match of xml.matchAll(/<dir\b([^>]*)>/g)) {
    const attrs = attributes(match[1] ?? '');
    if (attrs.get('type') !== 'makemake') continue;
    const folder = (attrs.get('path') ?? '.').replace(/\/+$/, '');
    folders.push({ path: folder === '' ? '.' : folder, makemakeOptions: attrs.get('makemake-options') ?? '' });
  }
  return folders;
}

function attributes(text: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const match of text.matchAll(/([A-Za-z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    attrs.set(match[1] ?? '', decodeXml(match[2] ?? match[3] ?? ''));
  }
  return attrs;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_m: string, name: string) => ENTITIES[name] ?? '');
}
