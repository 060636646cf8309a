// Parsing of git remote URLs. The cluster clones the repository from this URL,
// so every form git itself accepts must be understood, for any host (GitHub,
// GitLab, Gitea, a university server), not only github.com.

export type RemoteKind = 'ssh' | 'https' | 'http' | 'git' | 'file';

/** A git remote URL split into the parts the CLI needs (naming, messages). */
export interface RemoteUrl {
  /** The URL exactly as configured; this is what the builder clones. */
  url: string;
  kind: RemoteKind;
  /** Host name without user or port; empty for local repositories. */
  host: string;
  /** Repository path on the host (or on disk), without a trailing `.git` or slash. */
  path: string;
  /** The repository's own name: the last path segment, e.g. `inet` for `git@github.com:inet-framework/inet.git`. */
  name: string;
}

/**
 * Parses the URL forms git accepts: `https://host/path.git`, `ssh://[user@]host[:port]/path`,
 * scp-like `[user@]host:path`, `git://host/path`, `file:///path` and plain local paths.
 * Returns undefined for anything else (an empty string, `host:` without a path).
 */
export function parseRemoteUrl(url: string): RemoteUrl | undefined {
  const trimmed = url.trim();
  if (trimmed === '') return undefined;

  const scheme = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(trimmed);
  if (scheme) {
    const protocol = (scheme[1] ?? '').toLowerCase();
    const rest = scheme[2] ?? '';
    const kind = schemeKind(protocol);
    if (!kind) return undefined;
    if (kind === 'file') {
      return withName({ url: trimmed, kind, host: '', path: stripRepoSuffix(rest.replace(/^[^/]*/, '')) });
    }
    const slash = rest.indexOf('/');
    if (slash <= 0) return undefined;
    const authority = rest.slice(0, slash);
    const path = stripRepoSuffix(rest.slice(slash + 1));
    if (path === '') return undefined;
    return withName({ url: trimmed, kind, host: hostOf(authority), path });
  }

  // scp-like syntax: only when there is no slash before the first colon (git's own rule).
  const colon = trimmed.indexOf(':');
  const firstSlash = trimmed.indexOf('/');
  if (colon > 0 && (firstSlash === -1 || colon < firstSlash)) {
    const authority = trimmed.slice(0, colon);
    const path = stripRepoSuffix(trimmed.slice(colon + 1));
    if (path === '' || authority === '') return undefined;
    return withName({ url: trimmed, kind: 'ssh', host: hostOf(authority), path });
  }

  if (trimmed.startsWith('/') || trimmed.startsWith('.') || trimmed.startsWith('~')) {
    return withName({ url: trimmed, kind: 'file', host: '', path: stripRepoSuffix(trimmed) });
  }
  return undefined;
}

function schemeKind(protocol: string): RemoteKind | undefined {
  switch (protocol) {
    case 'https':
    case 'http':
    case 'ssh':
    case 'git':
    case 'file':
      return protocol;
    case 'git+ssh':
    case 'ssh+git':
      return 'ssh';
    default:
      return undefined;
  }
}

function hostOf(authority: string): string {
  const withoutUser = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority;
  if (withoutUser.startsWith('[')) return withoutUser.slice(1, withoutUser.indexOf(']'));
  return withoutUser.replace(/:\d*$/, '').toLowerCase();
}

function stripRepoSuffix(path: string): string {
  return path.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
}

function withName(parts: Omit<RemoteUrl, 'name'>): RemoteUrl | undefined {
  const segments = parts.path.split('/').filter((s) => s !== '');
  const name = segments[segments.length - 1];
  if (name === undefined) return undefined;
  return { ...parts, name };
}

/**
 * What a URL carries before its host that the cluster must never be given:
 * `password` for `user:password@` (any scheme), `user` for `name@` on http(s),
 * where the name may be a token; undefined for none (ssh's `git@host` is a
 * login name, not a secret).
 */
export function urlCredentials(url: string): 'password' | 'user' | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)/i.exec(url.trim());
  if (scheme === null) {
    // scp-like: a colon inside the user part (user:password@host:path) is a password.
    return /^[^/@]*:[^/@]*@[^/:]+:/.test(url.trim()) ? 'password' : undefined;
  }
  const authority = scheme[2] ?? '';
  const at = authority.lastIndexOf('@');
  if (at < 0) return undefined;
  if (authority.slice(0, at).includes(':')) return 'password';
  return /^https?$/i.test(scheme[1] ?? '') ? 'user' : undefined;
}

/** The URL without what urlCredentials finds (an ssh login name stays), for messages and the fix. */
export function withoutCredentials(url: string): string {
  const trimmed = url.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(.*)$/is.exec(trimmed);
  if (scheme === null) return trimmed.replace(/^([^/@:]*):[^/@]*@(?=[^/:]+:)/, '$1@');
  const [, protocol = '', authority = '', rest = ''] = scheme;
  const at = authority.lastIndexOf('@');
  if (at < 0) return trimmed;
  const login = /^https?$/i.test(protocol) ? '' : (authority.slice(0, at).split(':')[0] ?? '');
  return `${protocol}://${login ? `${login}@` : ''}${authority.slice(at + 1)}${rest}`;
}
