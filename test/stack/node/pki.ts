// The certificates between the API server and the real node's kubelet: a CA
// the kubelet trusts for client certificates, and the API server's client
// certificate signed by it. With them the kubelet's API (logs, exec) takes
// no anonymous request, although pods can reach the address it listens on.
// Made with openssl at each start: they live as long as the stack.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KubeletClientPki {
  /** The CA the kubelet verifies client certificates with. */
  caFile: string;
  /** The API server's client certificate and key (--kubelet-client-certificate/-key). */
  certFile: string;
  keyFile: string;
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Writes a fresh CA and a client certificate for the API server under `dir`. */
export async function kubeletClientPki(dir: string): Promise<KubeletClientPki> {
  await mkdir(dir, { recursive: true });
  const p = (name: string): string => join(dir, name);
  await run('openssl', ['req', '-x509', ...KEY, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-subj', '/CN=inet-swarm-kubelet-client-ca', '-days', '30']);
  await run('openssl', ['req', ...KEY, '-keyout', p('apiserver.key'), '-out', p('apiserver.csr'), '-subj', '/CN=kube-apiserver-kubelet-client']);
  await writeFile(p('client.ext'), 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  await run('openssl', [
    'x509', '-req', '-in', p('apiserver.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-out', p('apiserver.crt'), '-days', '30', '-extfile', p('client.ext'),
  ]);
  return { caFile: p('ca.crt'), certFile: p('apiserver.crt'), keyFile: p('apiserver.key') };
}
