// The endpoints of a running local stack. Tests receive this from `useStack()`
// (test/stack/env.ts); `cli.ts up --state FILE` writes it as JSON so that one
// stack can serve every test file of a run.
import type { RealNodeInfo } from './node/node.ts';
import type { AccountSigner } from '../../lib/queue/identity.ts';

/** Endpoints and credentials of a running local stack of real servers. */
export interface StackInfo {
  /** The stack's temporary directory (logs, data, kubeconfig). */
  dir: string;
  /** Path of the admin kubeconfig. */
  kubeconfig: string;
  /** The control-plane multi-binary; `${k8sBinary} kubectl --kubeconfig ${kubeconfig} ...` is kubectl. */
  k8sBinary: string;
  /** Names of the kwok nodes by pool. */
  nodes: { runner: string[]; system: string[] };
  /**
   * nats-server with JetStream enabled, in operator mode: `creds` is an admin
   * user's `.creds` text; `signer` mints users as the inet-swarm operator does.
   */
  nats: { url: string; creds: string; signer: AccountSigner };
  /** MongoDB wire protocol (FerretDB); the URI includes credentials if any. */
  mongo: { uri: string };
  /** moto's server; any AWS_ACCESS_KEY_ID/SECRET works, e.g. 'testing'. */
  moto: { endpoint: string; region: string };
  /** distccd daemons on loopback, e.g. ['127.0.0.1:37001'], and their log files. */
  distcc: { hosts: string[]; logFiles: string[] };
  /** The real node (kubelet + containerd), when the stack was started with realNode. */
  realNode?: RealNodeInfo;
}
