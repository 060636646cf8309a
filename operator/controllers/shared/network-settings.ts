// What the operator needs to know to write a namespace's NetworkPolicies:
// where NATS and the store are (as policy peers, from the chart, which knows
// whether they run in the cluster) and on which ports (from the URLs the pods
// are given), which ports the git hosts listen on, and the cluster's own
// ranges that "outside the cluster" leaves out. Read from the environment
// (docs/configuration.md).
import { ConfigError, boolean, jsonObjects, list, type Env } from '../../../lib/config.ts';
import { parseCidr } from './cidr.ts';

/** A NetworkPolicy peer (`podSelector`/`namespaceSelector`, or `ipBlock`), passed on as the chart wrote it. */
export type PolicyPeer = Record<string, unknown>;

export interface ServerPeers {
  /** Empty: any address outside the metadata endpoints. */
  peers: PolicyPeer[];
  ports: number[];
}

export interface NetworkSettings {
  /** Write the policies and label the namespaces served; off unless set (the chart sets it). */
  enabled: boolean;
  nats: ServerPeers;
  store: ServerPeers;
  /** Ports builders may reach outside the cluster to clone (https, ssh). */
  gitPorts: number[];
  /** The cluster's pod and Service ranges, left out of the builders' "outside the cluster". */
  clusterCIDRs: string[];
}

const DEFAULT_GIT_PORTS = [443, 22];

function ports(env: Env, name: string, fallback: number[]): number[] {
  const items = list(env, name);
  if (!items) return fallback;
  const parsed = items.map(Number);
  if (!parsed.every((p) => Number.isInteger(p) && p >= 1 && p <= 65_535)) throw new ConfigError(name, `Environment variable ${name} must be a list of ports (1-65535), not "${items.join(',')}"`);
  return parsed;
}

function cidrs(env: Env, name: string): string[] {
  const items = list(env, name) ?? [];
  const bad = items.find((c) => !parseCidr(c));
  if (bad !== undefined) throw new ConfigError(name, `Environment variable ${name} must be a list of CIDRs, not "${bad}"`);
  return items;
}

/** The port of a NATS URL (4222 when it names none). */
export function natsPorts(url: string): number[] {
  const port = /^[a-z]+:\/\/(?:[^@/]*@)?[^:/]+:(\d+)/i.exec(url)?.[1];
  return [port ? Number(port) : 4222];
}

/** The ports of every host of a MongoDB URI (27017 where one names none, and for mongodb+srv, whose ports DNS gives). */
export function mongoPorts(uri: string): number[] {
  const hosts = /^mongodb(\+srv)?:\/\/(?:.*@)?([^/?]*)/i.exec(uri);
  if (!hosts || hosts[1]) return [27017];
  const found = (hosts[2] ?? '').split(',').map((host) => Number(/:(\d+)$/.exec(host)?.[1] ?? 27017));
  return [...new Set(found)];
}

/** Reads the network settings; `servers` are the NATS URL and the MongoDB URIs the operator gives its pods. */
export function networkSettingsFromEnv(env: Env, servers: { natsUrl: string; mongoUris: string[] }): NetworkSettings {
  return {
    enabled: boolean(env, 'INETSWARM_NETWORK_POLICIES') ?? false,
    nats: { peers: jsonObjects(env, 'INETSWARM_NETWORK_NATS_PEERS') ?? [], ports: natsPorts(servers.natsUrl) },
    store: { peers: jsonObjects(env, 'INETSWARM_NETWORK_STORE_PEERS') ?? [], ports: [...new Set(servers.mongoUris.flatMap(mongoPorts))] },
    gitPorts: ports(env, 'INETSWARM_NETWORK_GIT_PORTS', DEFAULT_GIT_PORTS),
    clusterCIDRs: cidrs(env, 'INETSWARM_NETWORK_CLUSTER_CIDRS'),
  };
}
