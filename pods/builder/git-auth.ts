// The builder's git credentials, bound to the host of the repository it
// clones: an https token goes only to that scheme, host and port (a credential
// helper that git calls only for that URL, and that checks the URL git names
// again), an SSH key only to that host and port, and only once its host key
// matches the Secret's known_hosts. A submodule or a redirect to another host
// gets nothing, and no credential enters an environment, a command line or a log.
import { access, chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the repository lives, as git names it when it asks for credentials. */
export type CredentialScope =
  | { kind: 'http'; protocol: 'http' | 'https'; /** Lowercase host, `:port` only when not the scheme's default. */ host: string }
  | { kind: 'ssh'; host: string; port: number }
  | { kind: 'none' };

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ssh: 22 };

/** Host names and addresses only: a host goes into ssh's configuration and a shell script. */
const PLAIN_HOST = /^[a-z0-9._:[\]-]+$/;

/**
 * The scope of a repository URL (https://, ssh://, scp-like user@host:path);
 * `none` for file:// and git://, and for a host that is not a plain name or address.
 */
export function credentialScope(repository: string): CredentialScope {
  const scope = parseScope(repository);
  return scope.kind !== 'none' && PLAIN_HOST.test(scope.host.replace(/:\d+$/, '')) ? scope : { kind: 'none' };
}

function parseScope(repository: string): CredentialScope {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(repository)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    // scp-like: [user@]host:path, the host before the first colon (git's rule: no slash before it).
    const scp = /^(?:[^@/:]+@)?(\[[^\]]+\]|[^@/:]+):/.exec(repository);
    return scp?.[1] ? { kind: 'ssh', host: unbracket(scp[1].toLowerCase()), port: 22 } : { kind: 'none' };
  }
  if (scheme !== 'http' && scheme !== 'https' && scheme !== 'ssh' && scheme !== 'git+ssh' && scheme !== 'ssh+git') return { kind: 'none' };
  let url: URL;
  try {
    // WHATWG URL lowercases the host and drops the scheme's default port, as git's own URL matching does.
    url = new URL(scheme === 'http' || scheme === 'https' ? repository : repository.replace(/^[^:]+:/, 'ssh:'));
  } catch {
    return { kind: 'none' };
  }
  if (scheme === 'http' || scheme === 'https') return { kind: 'http', protocol: scheme, host: url.host };
  return { kind: 'ssh', host: unbracket(url.hostname.toLowerCase()), port: url.port === '' ? 22 : Number(url.port) };
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** A value for a POSIX shell, single-quoted. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * A git credential helper that answers `get` for exactly `scope` with the
 * Secret's files, read when git asks. git calls it only for that URL
 * (credential.<url>.helper); it checks the protocol and host git sends again,
 * so a wrong scope in the configuration still leaks nothing.
 */
export function credentialHelperScript(scope: Extract<CredentialScope, { kind: 'http' }>, dir: string): string {
  const port = DEFAULT_PORTS[scope.protocol] ?? 0;
  return [
    '#!/bin/sh',
    '[ "$1" = get ] || exit 0',
    'protocol= host=',
    'while IFS= read -r line && [ -n "$line" ]; do',
    '  case "$line" in',
    '    protocol=*) protocol=${line#protocol=} ;;',
    '    host=*) host=${line#host=} ;;',
    '  esac',
    'done',
    `host=$(printf '%s' "$host" | tr 'A-Z' 'a-z' | sed 's/:${port}$//')`,
    `[ "$protocol" = ${shellQuote(scope.protocol)} ] && [ "$host" = ${shellQuote(scope.host)} ] || exit 0`,
    `printf 'username=%s\\npassword=%s\\n' "$(cat ${shellQuote(join(dir, 'username'))})" "$(cat ${shellQuote(join(dir, 'password'))})"`,
    '',
  ].join('\n');
}

/**
 * ssh's configuration for git: the key only for the repository's host and
 * port (ssh adds an IdentityFile only inside the matching block), host keys
 * only from the Secret's known_hosts and checked strictly, no agent, no
 * password prompts.
 */
export function sshConfig(scope: Extract<CredentialScope, { kind: 'ssh' }>, key: string, knownHosts: string): string {
  return [
    `Match host "${scope.host}" exec "test %p = ${scope.port}"`,
    `  IdentityFile "${key}"`,
    'Host *',
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    '  BatchMode yes',
    '  PasswordAuthentication no',
    '  KbdInteractiveAuthentication no',
    '  StrictHostKeyChecking yes',
    `  UserKnownHostsFile "${knownHosts}"`,
    '  GlobalKnownHostsFile /dev/null',
    '',
  ].join('\n');
}

/** git configuration as environment (GIT_CONFIG_COUNT): it reaches every git process, submodules' included. */
export function gitConfigEnv(entries: Array<[string, string]>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/** What git needs from the Secret, or why the Secret cannot serve this repository. */
export type GitAuth = { ok: true; env: Record<string, string> } | { ok: false; message: string };

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/**
 * Writes the helper (https) or the key and ssh configuration (ssh) into
 * `privateDir` and returns git's environment. Without a Secret, or for a
 * scheme without credentials, git still gets a configuration that clears
 * every helper and prompt, so nothing answers for any host.
 */
export async function prepareGitAuth(repository: string, credentialsDir: string | undefined, privateDir: string): Promise<GitAuth> {
  const scope = credentialScope(repository);
  // An empty credential.helper empties the list of helpers from every file read before.
  const entries: Array<[string, string]> = [['credential.helper', ''], ['core.askPass', '']];
  const env: Record<string, string> = {};
  if (credentialsDir !== undefined && scope.kind === 'http') {
    const [user, password] = await Promise.all([exists(join(credentialsDir, 'username')), exists(join(credentialsDir, 'password'))]);
    if (user !== password) return { ok: false, message: `The git credentials Secret has ${user ? 'username' : 'password'} but no ${user ? 'password' : 'username'}: an https clone needs both keys` };
    if (password) {
      await mkdir(privateDir, { recursive: true, mode: 0o700 });
      const helper = join(privateDir, 'credential-helper');
      await writeFile(helper, credentialHelperScript(scope, credentialsDir), { mode: 0o700 });
      entries.push([`credential.${scope.protocol}://${scope.host}.helper`, helper]);
    }
  }
  if (credentialsDir !== undefined && scope.kind === 'ssh' && (await exists(join(credentialsDir, 'ssh-privatekey')))) {
    if (!(await exists(join(credentialsDir, 'known_hosts')))) {
      return {
        ok: false,
        message: `The git credentials Secret has ssh-privatekey but no known_hosts: add the host key of ${scope.host} (ssh-keyscan -p ${scope.port} ${scope.host}), so that the key goes only to that host`,
      };
    }
    await mkdir(privateDir, { recursive: true, mode: 0o700 });
    const key = join(privateDir, 'id');
    const knownHosts = join(privateDir, 'known_hosts');
    await copyFile(join(credentialsDir, 'ssh-privatekey'), key);
    await chmod(key, 0o600);
    await copyFile(join(credentialsDir, 'known_hosts'), knownHosts);
    await writeFile(join(privateDir, 'ssh_config'), sshConfig(scope, key, knownHosts), { mode: 0o600 });
    env.GIT_SSH_COMMAND = `ssh -F ${shellQuote(join(privateDir, 'ssh_config'))}`;
    env.GIT_SSH_VARIANT = 'ssh';
  }
  return { ok: true, env: { ...env, ...gitConfigEnv(entries) } };
}
