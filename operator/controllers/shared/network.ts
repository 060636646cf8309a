// The NetworkPolicies the operator writes into every namespace where it runs
// builders or runners, and the label that marks such a namespace as served.
// Policies only add what they allow, so the set is one default deny over the
// operator's pods and one allow list per component:
//   runner  -> DNS (kube-system's kube-dns pods), NATS, the store;
//   builder -> DNS, the store, the namespace's distccd, the git ports outside the cluster;
//   distccd <- builders of its namespace.
// Nothing else is admitted; the cloud metadata endpoints are carved out of
// every address block. A git host cannot be pinned by address here: it is a
// DNS name whose addresses change (CDNs, load balancers), and a NetworkPolicy
// takes only CIDRs, so builders reach the git ports on any outside address.
// Pure: plain manifests from the settings.
import { MANAGED_BY, MANAGED_BY_LABEL, TENANT_LABEL, managedLabels } from '../../../api/labels.ts';
import type { Manifest } from '../../../lib/kube/manifests.ts';
import { DISTCC_PORT } from '../inetbuild/manifests.ts';
import { ANY_IPV4, ANY_IPV6, METADATA_CIDRS, ipBlock } from './cidr.ts';
import type { NetworkSettings, PolicyPeer, ServerPeers } from './network-settings.ts';

/** Names of the policies, fixed so that the operator's RBAC can name them. */
export const POLICY_NAMES = {
  defaultDeny: 'inet-swarm-default-deny',
  runner: 'inet-swarm-runner',
  builder: 'inet-swarm-builder',
  distccd: 'inet-swarm-distccd',
} as const;

type Port = { port: number; protocol: 'TCP' | 'UDP' };
type Rule = { to?: PolicyPeer[]; from?: PolicyPeer[]; ports?: Port[] };

const tcp = (ports: readonly number[]): Port[] => ports.map((port) => ({ port, protocol: 'TCP' }));
const pods = (component: string): PolicyPeer => ({ podSelector: { matchLabels: managedLabels(component) } });

// The cluster DNS in kube-system only: `namespaceSelector: {}` would also admit a tenant's pod labelled kube-dns.
const DNS: Rule = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ],
};

/** A peer as given, with the metadata endpoints carved out of an address block. */
function guarded(peer: PolicyPeer): PolicyPeer {
  const block = peer.ipBlock as { cidr?: unknown; except?: unknown } | undefined;
  if (typeof block?.cidr !== 'string') return peer;
  const already = Array.isArray(block.except) ? block.except.filter((c): c is string => typeof c === 'string') : [];
  return { ...peer, ipBlock: ipBlock(block.cidr, METADATA_CIDRS, already) };
}

/** Any address except the metadata endpoints and `alsoExcept`. */
function outside(alsoExcept: readonly string[]): PolicyPeer[] {
  return [ANY_IPV4, ANY_IPV6].map((cidr) => ({ ipBlock: ipBlock(cidr, [...METADATA_CIDRS, ...alsoExcept]) }));
}

/** Egress to a server on its ports: its peers, or any address but the metadata endpoints when none are given. */
function toServer(server: ServerPeers): Rule {
  return { to: server.peers.length > 0 ? server.peers.map(guarded) : outside([]), ports: tcp(server.ports) };
}

function policy(namespace: string, name: string, spec: Record<string, unknown>): Manifest {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
    spec,
  };
}

/** Selects every pod the operator runs here, and allows them nothing: the allow lists below add to it. */
export function defaultDenyPolicy(namespace: string): Manifest {
  return policy(namespace, POLICY_NAMES.defaultDeny, { podSelector: { matchLabels: { [MANAGED_BY_LABEL]: MANAGED_BY } }, policyTypes: ['Ingress', 'Egress'] });
}

export function runnerPolicy(namespace: string, settings: NetworkSettings): Manifest {
  return policy(namespace, POLICY_NAMES.runner, {
    podSelector: { matchLabels: managedLabels('runner') },
    policyTypes: ['Egress'],
    egress: [DNS, toServer(settings.nats), toServer(settings.store)],
  });
}

export function builderPolicy(namespace: string, settings: NetworkSettings): Manifest {
  return policy(namespace, POLICY_NAMES.builder, {
    podSelector: { matchLabels: managedLabels('builder') },
    policyTypes: ['Egress'],
    egress: [
      DNS,
      toServer(settings.store),
      { to: [pods('distccd')], ports: tcp([DISTCC_PORT]) },
      { to: outside(settings.clusterCIDRs), ports: tcp(settings.gitPorts) },
    ],
  });
}

/** distccd runs what it is sent: only this namespace's builders may send (a podSelector alone stays in the namespace). */
export function distccdPolicy(namespace: string): Manifest {
  return policy(namespace, POLICY_NAMES.distccd, {
    podSelector: { matchLabels: managedLabels('distccd') },
    policyTypes: ['Ingress'],
    ingress: [{ from: [pods('builder')], ports: tcp([DISTCC_PORT]) }],
  });
}

/** The whole set for one namespace. */
export function namespacePolicies(namespace: string, settings: NetworkSettings): Manifest[] {
  return [defaultDenyPolicy(namespace), runnerPolicy(namespace, settings), builderPolicy(namespace, settings), distccdPolicy(namespace)];
}

/**
 * The served namespace's label, by which the chart's NATS and MongoDB
 * policies admit its pods. A tenant who may edit objects in the namespace
 * cannot set it: labels of a Namespace are changed through the cluster-scoped
 * Namespace object, which namespace-scoped roles (admin, edit) do not reach.
 */
export function servedNamespace(name: string): { apiVersion: string; kind: string; metadata: { name: string; labels: Record<string, string> } } {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [TENANT_LABEL]: 'true' } } };
}
