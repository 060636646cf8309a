// Where a MongoDB URI points, and the same URI through a local port-forward.
// Pure, so every URI shape is a table test; campaign/mongo.ts connects.

/** Where a MongoDB URI points, when it names a Service inside the cluster (`svc`, `svc.ns`, `svc.ns.svc[.cluster.local]`). */
export function clusterServiceOf(uri: string, defaultNamespace: string): { service: string; namespace: string; port: number } | undefined {
  const match = /^mongodb:\/\/(?:[^@/]*@)?([^/?,]+)(?:[/?]|$)/.exec(uri);
  if (!match) return undefined;
  const [host = '', portText] = (match[1] ?? '').split(':');
  const port = portText ? Number(portText) : 27017;
  const labels = host.split('.');
  if (/^\d+$/.test(labels[labels.length - 1] ?? '') || host === 'localhost') return undefined;
  if (labels.length === 1) return { service: host, namespace: defaultNamespace, port };
  if (labels.length === 2) return { service: labels[0] ?? '', namespace: labels[1] ?? '', port };
  if (labels[2] === 'svc') return { service: labels[0] ?? '', namespace: labels[1] ?? '', port };
  return undefined;
}

/** The URI with its single host replaced by `127.0.0.1:<port>` and a direct connection (no replica-set discovery). */
export function localUri(uri: string, port: number): string {
  const replaced = uri.replace(/^(mongodb:\/\/(?:[^@/]*@)?)[^/?]+/, `$1127.0.0.1:${port}`);
  const [base = '', query] = replaced.split('?');
  const params = new URLSearchParams(query ?? '');
  params.set('directConnection', 'true');
  params.delete('replicaSet');
  return `${base.includes('/', 'mongodb://'.length) ? base : `${base}/`}?${params.toString()}`;
}

/** The URI without its credentials, for messages. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}
