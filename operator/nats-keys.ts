// `node operator/nats-keys.js` in the operator image: the chart's pre-install
// and pre-upgrade hook Job. Makes the NATS trust of an install once
// (lib/queue/identity.ts) and stores it in a Secret of the release namespace:
// `server.conf` (what nats-server includes to run in operator mode),
// `account` and `signing-key` (what the operator mints users with). An
// existing Secret is left alone, so upgrades keep the keys and every user
// minted with them. Configured by INETSWARM_POD_NAMESPACE and
// INETSWARM_NATS_KEYS_SECRET; exit 0 when the Secret exists afterwards.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { pathToFileURL } from 'node:url';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../api/labels.ts';
import { statusCode } from '../lib/kube/errors.ts';
import { createNatsTrust, operatorModeConfigText } from '../lib/queue/identity.ts';

/** Keys of the NATS keys Secret; the chart's templates name the same. */
export const NATS_KEYS = { serverConf: 'server.conf', account: 'account', signingKey: 'signing-key' } as const;

/** Creates the Secret unless it exists; returns whether it was created. */
export async function ensureNatsKeys(core: CoreV1Api, namespace: string, name: string): Promise<boolean> {
  try {
    await core.readNamespacedSecret({ name, namespace });
    return false;
  } catch (error) {
    if (statusCode(error) !== 404) throw error;
  }
  const trust = await createNatsTrust();
  const body = {
    metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY, 'app.kubernetes.io/component': 'nats' } },
    type: 'Opaque',
    stringData: { [NATS_KEYS.serverConf]: operatorModeConfigText(trust), [NATS_KEYS.account]: trust.signer.account, [NATS_KEYS.signingKey]: trust.signer.signingSeed },
  };
  try {
    await core.createNamespacedSecret({ namespace, body });
    return true;
  } catch (error) {
    // A second hook run (a retried Job) made it first: theirs stands.
    if (statusCode(error) === 409) return false;
    throw error;
  }
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const namespace = env.INETSWARM_POD_NAMESPACE;
  const name = env.INETSWARM_NATS_KEYS_SECRET;
  if (!namespace || !name) {
    process.stderr.write('nats-keys: INETSWARM_POD_NAMESPACE and INETSWARM_NATS_KEYS_SECRET are required\n');
    return 2;
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const created = await ensureNatsKeys(kubeConfig.makeApiClient(CoreV1Api), namespace, name);
  // Names only: the Secret's values never reach a log.
  process.stdout.write(`${JSON.stringify({ msg: created ? 'Created NATS keys' : 'Kept existing NATS keys', namespace, secret: name })}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`nats-keys: ${String((err as Error)?.message ?? err)}\n`);
      process.exit(1);
    },
  );
}
