// Where a namespace's results live in MongoDB and who may write them: one
// database and one user per namespace, so that a tenant's store credential
// reaches its own records only (docs/security.md). Pure: the operator, the
// results service and the CLI derive the same names from the same inputs.
import { createHash } from 'node:crypto';

/** MongoDB refuses database names of 64 bytes or more. */
export const DATABASE_NAME_LIMIT = 63;
/** Hex digits of the namespace's SHA-256 in a shortened name: 64 bits. */
const HASH_DIGITS = 16;
/** The longest prefix that leaves room for the separators, the hash and one character of the namespace. */
export const PREFIX_LIMIT = DATABASE_NAME_LIMIT - HASH_DIGITS - 3;
const PREFIX_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

/**
 * Why `prefix` cannot start tenant database names, or undefined when it can: lower case only (MongoDB
 * refuses two names that differ only in case), no characters MongoDB forbids, short enough.
 */
export function prefixProblem(prefix: string): string | undefined {
  if (!PREFIX_PATTERN.test(prefix)) return 'use lower-case letters, digits, "-" and "_" only, starting with a letter or digit';
  if (prefix.length > PREFIX_LIMIT) return `use at most ${PREFIX_LIMIT} characters`;
  return undefined;
}

/**
 * The database of `namespace`: `<prefix>_<namespace>`, or, when that is
 * longer than MongoDB allows, `<prefix>_<namespace, cut>_<16 hex digits of its
 * SHA-256>`. A namespace name holds no "_", so the part after the prefix tells
 * the two forms apart; two namespaces share a database only if the first 64
 * bits of their hashes agree.
 */
export function tenantDatabase(prefix: string, namespace: string): string {
  const plain = `${prefix}_${namespace}`;
  if (plain.length <= DATABASE_NAME_LIMIT) return plain;
  const hash = createHash('sha256').update(namespace).digest('hex').slice(0, HASH_DIGITS);
  const room = DATABASE_NAME_LIMIT - prefix.length - HASH_DIGITS - 2;
  return `${prefix}_${namespace.slice(0, room)}_${hash}`;
}

/** The namespace's MongoDB user, defined in (and authenticating against) the namespace's own database. */
export function tenantUser(namespace: string): string {
  return `tenant-${namespace}`;
}

export interface TenantLogin {
  user: string;
  password: string;
  database: string;
}

const URI_PATTERN = /^(mongodb(?:\+srv)?:\/\/)(?:([^@/]*)@)?([^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/;

interface UriParts {
  scheme: string;
  userinfo: string | undefined;
  hosts: string;
  database: string;
  options: URLSearchParams;
}

function uriParts(uri: string): UriParts | undefined {
  const match = URI_PATTERN.exec(uri);
  if (!match) return undefined;
  const [, scheme = '', userinfo, hosts = '', database = '', query = ''] = match;
  return { scheme, userinfo, hosts, database: decodeURIComponent(database), options: new URLSearchParams(query) };
}

/**
 * `base` (the store's address as pods reach it, perhaps with an admin's
 * credentials) with the credentials replaced by `login`'s, its database as the
 * default database and the authentication database. Host list and other
 * options (tls, replicaSet) are kept; an authMechanism of the base is dropped,
 * since the tenant user has SCRAM credentials only.
 */
export function tenantUri(base: string, login: TenantLogin): string {
  const parts = uriParts(base);
  if (!parts) throw new Error('The MongoDB URI of the pods is not a mongodb:// or mongodb+srv:// URI');
  const options = new URLSearchParams(parts.options);
  options.delete('authMechanism');
  options.delete('authMechanismProperties');
  options.set('authSource', login.database);
  const userinfo = `${encodeURIComponent(login.user)}:${encodeURIComponent(login.password)}`;
  return `${parts.scheme}${userinfo}@${parts.hosts}/${encodeURIComponent(login.database)}?${options.toString()}`;
}

/**
 * The password of `uri` when it is the login of `user` on `database` (what
 * tenantUri wrote), so that an existing Secret's password is kept; undefined
 * for any other URI, such as an admin's from before tenant users.
 */
export function tenantPasswordIn(uri: string, user: string, database: string): string | undefined {
  const parts = uriParts(uri);
  if (!parts?.userinfo || parts.database !== database || parts.options.get('authSource') !== database) return undefined;
  const colon = parts.userinfo.indexOf(':');
  if (colon < 0 || decodeURIComponent(parts.userinfo.slice(0, colon)) !== user) return undefined;
  const password = decodeURIComponent(parts.userinfo.slice(colon + 1));
  return password.length > 0 ? password : undefined;
}
