// The real node's pod network: a Linux bridge of our own (the CNI bridge
// plugin finds it and attaches each pod's veth) with the pods' gateway
// address, so that the stack's servers can listen on that address before the
// first pod exists; and the host-local CNI configuration that hands out the
// pods' addresses. Traffic stays between this machine's network namespaces:
// no route, NAT or forwarding leads off it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The kubernetes Service's ClusterIP (first address of kube.ts's service range); pods' in-cluster clients dial it. */
export const API_SERVICE_IP = '10.96.0.1';

export interface PodNetwork {
  /** Interface name of the bridge (at most 15 characters). */
  bridge: string;
  /** e.g. 10.250.17.0/24 */
  subnet: string;
  /** The bridge's own address: the pods' default gateway and where the servers they reach listen. */
  gateway: string;
}

/** A bridge name and /24 derived from the stack's directory, so that two stacks on one machine differ. */
export function podNetworkFor(stackDir: string, attempt = 0): PodNetwork {
  const digest = createHash('sha256').update(`${stackDir}#${attempt}`).digest();
  const octet = 1 + (digest.readUInt8(0) % 254);
  return { bridge: `isw${digest.subarray(1, 5).toString('hex')}`, subnet: `10.250.${octet}.0/24`, gateway: `10.250.${octet}.1` };
}

/** The CNI network list the CRI plugin loads: the bridge plugin with host-local addresses and a default route via the gateway. */
export function cniConfList(network: PodNetwork, ipamDir: string): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    name: `inet-swarm-${network.bridge}`,
    plugins: [
      {
        type: 'bridge',
        bridge: network.bridge,
        isGateway: true,
        // No masquerade and no forwarding: pods reach this machine only.
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: network.subnet, gateway: network.gateway }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: ipamDir,
        },
      },
    ],
  };
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

async function addressInUse(address: string): Promise<boolean> {
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show']);
  return stdout.split('\n').some((line) => line.includes(` ${address}/`));
}

/**
 * Creates the bridge with the gateway address and the API Service's ClusterIP
 * (a /32, so that pods' packets to it are delivered to this machine, where a
 * forwarder passes them to the API server on loopback). Picks another subnet
 * when the derived one is taken.
 */
export async function createPodNetwork(stackDir: string): Promise<PodNetwork> {
  let network = podNetworkFor(stackDir);
  for (let attempt = 1; (await addressInUse(network.gateway)) && attempt < 20; attempt++) network = podNetworkFor(stackDir, attempt);
  if (await addressInUse(API_SERVICE_IP)) {
    throw new Error(`${API_SERVICE_IP} is already on an interface of this machine: another stack with a real node runs (only one can)`);
  }
  await ip('link', 'add', network.bridge, 'type', 'bridge');
  try {
    await ip('addr', 'add', `${network.gateway}/24`, 'dev', network.bridge);
    await ip('addr', 'add', `${API_SERVICE_IP}/32`, 'dev', network.bridge);
    await ip('link', 'set', network.bridge, 'up');
  } catch (err) {
    await deletePodNetwork(network);
    throw err;
  }
  return network;
}

/** Removes the bridge and its addresses; the pods' veths are gone with their namespaces by then. */
export async function deletePodNetwork(network: PodNetwork): Promise<void> {
  await ip('link', 'delete', network.bridge).catch(() => {});
}
