// Trusting the API server's aggregation layer: its client certificate (signed
// by the front-proxy CA, with a common name it allows) is what makes the
// X-Remote-* identity headers believable. The CA and the header names come
// from kube-system/extension-apiserver-authentication, which the API server
// keeps current; the service re-reads it so that a rotated CA is taken
// without a restart.
import type { CoreV1Api } from '@kubernetes/client-node';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { HttpError } from '../http/errors.ts';
import { callerFromHeaders, headerList, type Caller, type RequestHeaderNames } from './identity.ts';

export const AUTHENTICATION_CONFIGMAP = { namespace: 'kube-system', name: 'extension-apiserver-authentication' } as const;

export interface FrontProxyTrust {
  /** PEM of the CA that signs the API server's proxy client certificate. */
  ca: string;
  /** Common names a proxy certificate may have; empty: any the CA signed. */
  allowedNames: string[];
  headers: RequestHeaderNames;
}

/** Reads the trust from the ConfigMap; fails when the API server has no aggregation layer configured. */
export async function readFrontProxyTrust(core: CoreV1Api): Promise<FrontProxyTrust> {
  const cm = await core.readNamespacedConfigMap(AUTHENTICATION_CONFIGMAP);
  const data = cm.data ?? {};
  const ca = data['requestheader-client-ca-file'];
  if (!ca) {
    throw new Error(
      `${AUTHENTICATION_CONFIGMAP.namespace}/${AUTHENTICATION_CONFIGMAP.name} has no requestheader-client-ca-file: ` +
        'the API server runs without --requestheader-client-ca-file, so it cannot proxy to an aggregated API',
    );
  }
  return {
    ca,
    allowedNames: headerList(data['requestheader-allowed-names']),
    headers: {
      username: headerList(data['requestheader-username-headers']),
      uid: headerList(data['requestheader-uid-headers']),
      group: headerList(data['requestheader-group-headers']),
      extraPrefix: headerList(data['requestheader-extra-headers-prefix']),
    },
  };
}

/**
 * The caller of a request that came through the API server; a 401 for any
 * other: no client certificate, one the front-proxy CA did not sign (the TLS
 * server verifies it against that CA), a common name not allowed, or no user.
 */
export function authenticate(req: IncomingMessage, trust: FrontProxyTrust): Caller {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) {
    throw new HttpError(401, 'This API is served through the Kubernetes API server (kubectl get --raw, inet-swarm); direct requests are not authenticated.');
  }
  const cn = socket.getPeerCertificate().subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (trust.allowedNames.length > 0 && (name === undefined || !trust.allowedNames.includes(name))) {
    throw new HttpError(401, `Client certificate ${name ?? '(no common name)'} is not one the API server's aggregation layer uses.`);
  }
  const caller = callerFromHeaders(req.headers, trust.headers);
  if (!caller) throw new HttpError(401, 'The request names no user.');
  return caller;
}
