// The results service's settings, from its environment (docs/configuration.md
// has a row for each). The store URI is a secret: it is read from the
// environment the chart fills from a Secret, never logged.
import { ConfigError, LOG_LEVELS, MONGO_SCHEMES, integer, oneOf, text, url, type Env } from '../lib/config.ts';
import { prefixProblem } from '../lib/store/tenant.ts';

export interface ServiceConfig {
  mongoUri: string;
  /** The prefix of the namespaces' databases, as the operator's (lib/store/tenant.ts). */
  database: string;
  host: string;
  port: number;
  /** Files of the serving certificate and key (the APIService's caBundle signs it). */
  tlsCertFile: string;
  tlsKeyFile: string;
  logLevel: (typeof LOG_LEVELS)[number];
}

export function readServiceConfig(env: Env): ServiceConfig {
  const mongoUri = url(env, 'INETSWARM_MONGO_URI', MONGO_SCHEMES, { secret: true });
  if (!mongoUri) throw new ConfigError('INETSWARM_MONGO_URI', 'The MongoDB URI is missing: set INETSWARM_MONGO_URI');
  const dir = text(env, 'INETSWARM_RESULTS_TLS_DIR') ?? '/etc/inet-swarm/tls';
  return {
    mongoUri,
    database: databasePrefix(env),
    host: text(env, 'INETSWARM_RESULTS_HOST') ?? '0.0.0.0',
    port: integer(env, 'INETSWARM_RESULTS_PORT', { min: 0, max: 65535 }) ?? 8443,
    tlsCertFile: `${dir}/tls.crt`,
    tlsKeyFile: `${dir}/tls.key`,
    logLevel: oneOf(env, 'INETSWARM_LOG_LEVEL', LOG_LEVELS) ?? 'info',
  };
}

function databasePrefix(env: Env): string {
  const prefix = text(env, 'INETSWARM_MONGO_DATABASE') ?? 'inetswarm';
  const problem = prefixProblem(prefix);
  if (problem) throw new ConfigError('INETSWARM_MONGO_DATABASE', `"${prefix}" cannot start the namespaces' database names: ${problem}`);
  return prefix;
}
