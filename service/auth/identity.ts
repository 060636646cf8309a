// Who is calling, as the API server's aggregation layer says: it proxies an
// authenticated request with the user in request headers whose names it
// publishes in kube-system/extension-apiserver-authentication. Those headers
// mean something only on a connection whose client certificate the
// front-proxy CA signed (front-proxy.ts checks that first); anyone else could
// write them. Pure.

/** The caller's identity, in the fields a SubjectAccessReview takes. */
export interface Caller {
  user: string;
  uid?: string;
  groups: string[];
  extra: Record<string, string[]>;
}

/** Which headers carry the identity (the ConfigMap's requestheader-* keys). */
export interface RequestHeaderNames {
  username: string[];
  uid: string[];
  group: string[];
  extraPrefix: string[];
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function values(headers: Headers, name: string): string[] {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** The first of `names` that is present, as kube-apiserver's request-header authenticator reads it. */
function first(headers: Headers, names: readonly string[]): string | undefined {
  for (const name of names) {
    const found = headers[name.toLowerCase()];
    const value = Array.isArray(found) ? found[0] : found;
    if (value) return value;
  }
  return undefined;
}

/**
 * The caller the headers name, or undefined when no user header is present.
 * Extra keys are percent-encoded in header names (as the aggregator writes them) and lowercased.
 */
export function callerFromHeaders(headers: Headers, names: RequestHeaderNames): Caller | undefined {
  const user = first(headers, names.username);
  if (!user) return undefined;
  const uid = first(headers, names.uid);
  const groups = names.group.flatMap((name) => values(headers, name));
  const extra: Record<string, string[]> = {};
  for (const prefix of names.extraPrefix.map((p) => p.toLowerCase())) {
    for (const [header, value] of Object.entries(headers)) {
      if (!header.startsWith(prefix) || value === undefined) continue;
      const key = decodeURIComponent(header.slice(prefix.length)).toLowerCase();
      extra[key] = [...(extra[key] ?? []), ...(Array.isArray(value) ? value : [value])];
    }
  }
  return { user, ...(uid ? { uid } : {}), groups, extra };
}

/** Parses a requestheader-* value of the ConfigMap: a JSON array of strings (absent: none). */
export function headerList(value: string | undefined): string[] {
  if (!value) return [];
  const parsed: unknown = JSON.parse(value);
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) throw new Error(`not a JSON list of strings: ${value}`);
  return parsed;
}
