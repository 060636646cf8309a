// The aggregation layer's certificates: the API server proxies a request for
// an aggregated API (the results service's) with a client certificate signed
// by the front-proxy CA and the caller's identity in X-Remote-* headers. The
// API server publishes this CA in kube-system/extension-apiserver-authentication,
// where the service reads it to trust those headers from the API server only.
// Made with openssl at each start: they live as long as the stack.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The common name of the API server's proxy client certificate (`--requestheader-allowed-names`). */
export const FRONT_PROXY_CLIENT = 'front-proxy-client';

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** The kube-apiserver flags of the aggregation layer, with fresh certificates written under `dir`. */
export async function frontProxyFlags(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const p = (name: string): string => join(dir, name);
  await run('openssl', ['req', '-x509', ...KEY, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-subj', '/CN=inet-swarm-front-proxy-ca', '-days', '30']);
  await run('openssl', ['req', ...KEY, '-keyout', p('client.key'), '-out', p('client.csr'), '-subj', `/CN=${FRONT_PROXY_CLIENT}`]);
  await writeFile(p('client.ext'), 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  await run('openssl', [
    'x509', '-req', '-in', p('client.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-out', p('client.crt'), '-days', '30', '-extfile', p('client.ext'),
  ]);
  return [
    `--requestheader-client-ca-file=${p('ca.crt')}`,
    `--requestheader-allowed-names=${FRONT_PROXY_CLIENT}`,
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-uid-headers=X-Remote-Uid',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${p('client.crt')}`,
    `--proxy-client-key-file=${p('client.key')}`,
    // The apiserver reaches an aggregated API at its Service's endpoints: the
    // stack has no kube-proxy for cluster IPs (and a test serves from a host process).
    '--enable-aggregator-routing=true',
  ];
}
