// NATS identities under decentralized JWT auth. nats-server trusts an
// operator key; the operator key signs one system account and one
// application account (JetStream on); the application account names a
// signing key, and whoever holds that key's seed (the inet-swarm operator)
// mints users: per namespace with the allow lists of permissions.ts, and an
// unrestricted admin for itself. The server checks a user's JWT against the
// preloaded account alone, so minted users keep working while the
// inet-swarm operator is down; no password exists anywhere.
import { encodeAccount, encodeOperator, encodeUser, fmtCreds } from '@nats-io/jwt';
import { createAccount, createOperator, createUser, fromSeed } from '@nats-io/nkeys';
import { credsAuthenticator, type ConnectionOptions } from '@nats-io/transport-node';
import { inboxPrefix, type NatsPermissions } from './permissions.ts';

/** What minting users needs: the application account's public key and one of its signing keys' seed (a secret). */
export interface AccountSigner {
  account: string;
  signingSeed: string;
}

/** Everything a nats-server in operator mode is configured with, and the signer of its application account. */
export interface NatsTrust {
  operatorJwt: string;
  systemAccount: { publicKey: string; jwt: string };
  account: { publicKey: string; jwt: string };
  signer: AccountSigner;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Makes fresh operator, system account and application account keys. Only
 * the signing seed is kept: the operator's and the accounts' own seeds are
 * dropped, so the JWTs cannot be changed later (new keys are a new install).
 */
export async function createNatsTrust(): Promise<NatsTrust> {
  const operator = createOperator();
  const system = createAccount();
  const app = createAccount();
  const signing = createAccount();
  const operatorJwt = await encodeOperator('inet-swarm', operator, { system_account: system.getPublicKey() });
  const systemJwt = await encodeAccount('SYS', system, {}, { signer: operator });
  const accountJwt = await encodeAccount(
    'inet-swarm',
    app,
    {
      signing_keys: [signing.getPublicKey()],
      // -1 is unlimited; a JWT account without storage limits has no JetStream.
      limits: { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1, mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 },
    },
    { signer: operator },
  );
  return {
    operatorJwt,
    systemAccount: { publicKey: system.getPublicKey(), jwt: systemJwt },
    account: { publicKey: app.getPublicKey(), jwt: accountJwt },
    signer: { account: app.getPublicKey(), signingSeed: decoder.decode(signing.getSeed()) },
  };
}

/** The server settings of operator mode: the trusted operator, the system account, and both accounts preloaded. */
export function operatorModeConfig(trust: NatsTrust): Record<string, unknown> {
  return {
    operator: trust.operatorJwt,
    system_account: trust.systemAccount.publicKey,
    // MEMORY: the accounts never change at run time; users need no resolver, their JWT names its account.
    resolver: 'MEMORY',
    resolver_preload: { [trust.systemAccount.publicKey]: trust.systemAccount.jwt, [trust.account.publicKey]: trust.account.jwt },
  };
}

/** operatorModeConfig as lines of a nats-server config file (for `include`); JSON values are valid there. */
export function operatorModeConfigText(trust: NatsTrust): string {
  return Object.entries(operatorModeConfig(trust)).map(([key, value]) => `${key}: ${JSON.stringify(value)}\n`).join('');
}

/**
 * Mints a user of the application account and returns its `.creds` text
 * (JWT and nkey seed). Without permissions the user may do anything in the
 * account (the admin); with them, only what the allow lists name.
 */
export async function mintUserCreds(signer: AccountSigner, name: string, permissions?: NatsPermissions): Promise<string> {
  const user = createUser();
  const claims = permissions ? { pub: { allow: permissions.pub }, sub: { allow: permissions.sub } } : {};
  const jwt = await encodeUser(name, user, signer.account, claims, { signer: fromSeed(encoder.encode(signer.signingSeed)) });
  return decoder.decode(fmtCreds(jwt, user));
}

/** Connection options that authenticate with a `.creds` text and, for a namespace's user, reply on its own inbox. */
export function credsOptions(creds: string, namespace?: string): Pick<ConnectionOptions, 'authenticator' | 'inboxPrefix'> {
  return { authenticator: credsAuthenticator(encoder.encode(creds)), ...(namespace ? { inboxPrefix: inboxPrefix(namespace) } : {}) };
}
