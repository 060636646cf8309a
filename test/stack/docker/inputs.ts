// What the stack's image builds read from the Dockerfiles and apt's sources:
// pure text functions, so that the cache keys and the local bases follow the
// Dockerfiles (the files they copy, the releases they name) without a second
// list to keep in step.

/** The default of `ARG name=value` in a Dockerfile, or an error naming the argument. */
export function dockerfileArg(text: string, name: string): string {
  const match = new RegExp(`^ARG\\s+${name}=(\\S+)`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`The Dockerfile has no default for ARG ${name}`);
  return match[1];
}

/** `debian:bookworm-20250929-slim` -> `bookworm`. */
export function debianRelease(image: string): string {
  const match = /^(?:[^/]+\/)*debian:([a-z]+)/.exec(image);
  if (!match?.[1]) throw new Error(`${image} names no Debian release`);
  return match[1];
}

/** `node:22.20.0-bookworm-slim` -> `22.20.0`. */
export function nodeVersion(image: string): string {
  const match = /^(?:[^/]+\/)*node:(\d+\.\d+\.\d+)/.exec(image);
  if (!match?.[1]) throw new Error(`${image} names no full Node.js version`);
  return match[1];
}

/**
 * The first mirror that apt's sources give for `release` (one-line `deb`
 * entries or deb822 stanzas), or undefined.
 */
export function debianMirror(sources: string, release: string): string | undefined {
  for (const line of sources.split('\n')) {
    const words = line.replace(/#.*/, '').trim().split(/\s+/);
    if (words[0] !== 'deb') continue;
    const rest = words.slice(1).filter((w) => !w.startsWith('['));
    if (rest[1] === release && rest[0]) return rest[0];
  }
  for (const stanza of sources.split(/\n\s*\n/)) {
    const field = (name: string): string[] =>
      new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
    if (field('Types').includes('deb') && field('Suites').includes(release)) return field('URIs')[0];
  }
  return undefined;
}

/** The build-context paths that a Dockerfile's `COPY` and `ADD` lines read (not those copying from a stage). */
export function copiedSources(text: string): string[] {
  const sources = new Set<string>();
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    const words = line.trim().split(/\s+/);
    if (!/^(COPY|ADD)$/i.test(words[0] ?? '')) continue;
    const args = words.slice(1);
    if (args.some((a) => a.startsWith('--from='))) continue;
    const paths = args.filter((a) => !a.startsWith('--'));
    for (const path of paths.slice(0, -1)) sources.add(path.replace(/\/+$/, ''));
  }
  return [...sources].sort();
}
