// The namespace's NetworkPolicy set as data: which of the operator's own pods
// (built by the controllers' real manifest functions) each policy selects,
// what it admits, that every address block leaves out the cloud metadata
// endpoints, and the settings the chart feeds it. Whether a CNI enforces the
// policies is not testable here (no enforcing CNI on the stack): a documented
// limit, see docs/security.md.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../operator/config.ts';
import { builderJob, distccDaemonSet } from '../../operator/controllers/inetbuild/manifests.ts';
import { runnerJob } from '../../operator/controllers/simulationcampaign/manifests.ts';
import { POLICY_NAMES, namespacePolicies, servedNamespace } from '../../operator/controllers/shared/network.ts';
import { ipBlock, parseCidr, strictlyInside } from '../../operator/controllers/shared/cidr.ts';
import { mongoPorts, natsPorts, networkSettingsFromEnv } from '../../operator/controllers/shared/network-settings.ts';
import type { InetBuild, SimulationCampaign } from '../../api/v1alpha1.ts';
import type { Manifest } from '../../lib/kube/manifests.ts';

const natsPeer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'inet-swarm-system' } }, podSelector: { matchLabels: { 'app.kubernetes.io/component': 'nats' } } };
const config = loadConfig(
  {
    INETSWARM_MONGO_URI: 'mongodb://root:pw@db-0:27017,db-1:27018/?replicaSet=rs0',
    INETSWARM_NATS_URL: 'nats://op:pw@nats.inet-swarm-system.svc:4223',
    INETSWARM_NETWORK_POLICIES: 'true',
    INETSWARM_NETWORK_NATS_PEERS: JSON.stringify([natsPeer]),
    INETSWARM_NETWORK_STORE_PEERS: JSON.stringify([{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '10.20.0.0/16' } }]),
    INETSWARM_NETWORK_CLUSTER_CIDRS: '10.96.0.0/12,192.168.0.0/16,fd10::/64',
  },
  [],
);
const network = config.network;
const policies = new Map(namespacePolicies('team', network).map((p) => [p.metadata.name, p]));
const specOf = (name: string) => policies.get(name)?.spec as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const build: InetBuild = {
  apiVersion: 'inetswarm.dev/v1alpha1',
  kind: 'InetBuild',
  metadata: { name: 'model', namespace: 'team', uid: 'u1' },
  spec: { source: { repository: 'https://example.org/m.git', revision: 'a'.repeat(40) }, omnetpp: { version: '6.1' } },
  status: { phase: 'Succeeded', artifact: { digest: `sha256:${'b'.repeat(64)}` } },
} as InetBuild;
const campaign = { apiVersion: 'inetswarm.dev/v1alpha1', kind: 'SimulationCampaign', metadata: { name: 'c', namespace: 'team', uid: 'u2' }, spec: { buildRef: { name: 'model' }, config: 'General' } } as SimulationCampaign;
const podLabels = (m: Manifest): Record<string, string> => (m.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
const ourPods = {
  builder: podLabels(builderJob(build, config.build)),
  distccd: podLabels(distccDaemonSet('team', config.build)),
  runner: podLabels(runnerJob(campaign, build, config.campaign, 2)),
};

function selects(selector: { matchLabels?: Record<string, string> }, labels: Record<string, string>): boolean {
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** Every ipBlock anywhere in the set. */
function ipBlocks(value: unknown): { cidr: string; except?: string[] }[] {
  if (Array.isArray(value)) return value.flatMap(ipBlocks);
  if (typeof value !== 'object' || value === null) return [];
  const found = Object.entries(value).flatMap(([key, v]) => (key === 'ipBlock' ? [v as { cidr: string; except?: string[] }] : ipBlocks(v)));
  return found;
}

describe('the namespace NetworkPolicy set', () => {
  it('is four policies in the namespace, each labelled as the operator\'s', () => {
    assert.deepEqual([...policies.keys()], Object.values(POLICY_NAMES));
    for (const policy of policies.values()) {
      assert.equal(policy.metadata.namespace, 'team');
      assert.equal(policy.metadata.labels?.['app.kubernetes.io/managed-by'], 'inet-swarm-operator');
    }
  });

  it('denies every pod the operator runs all traffic by default', () => {
    const deny = specOf(POLICY_NAMES.defaultDeny);
    assert.deepEqual(deny.policyTypes, ['Ingress', 'Egress']);
    assert.equal(deny.ingress, undefined);
    assert.equal(deny.egress, undefined);
    for (const [kind, labels] of Object.entries(ourPods)) assert.ok(selects(deny.podSelector, labels), `${kind} pods are not selected`);
  });

  it('gives each allow list to its own pods only', () => {
    for (const [name, kind] of [[POLICY_NAMES.runner, 'runner'], [POLICY_NAMES.builder, 'builder'], [POLICY_NAMES.distccd, 'distccd']] as const) {
      const selected = Object.entries(ourPods).filter(([, labels]) => selects(specOf(name).podSelector, labels)).map(([k]) => k);
      assert.deepEqual(selected, [kind], name);
    }
  });

  it('lets runners reach DNS, NATS and the store on their ports, and nothing else', () => {
    const runner = specOf(POLICY_NAMES.runner);
    assert.deepEqual(runner.policyTypes, ['Egress']);
    const [dns, nats, store, ...rest] = runner.egress;
    assert.deepEqual(rest, []);
    assert.deepEqual(dns.to, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }]);
    assert.deepEqual(dns.ports, [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
    assert.deepEqual(nats, { to: [natsPeer], ports: [{ port: 4223, protocol: 'TCP' }] });
    assert.deepEqual(store.ports, [{ port: 27017, protocol: 'TCP' }, { port: 27018, protocol: 'TCP' }]);
  });

  it('lets builders reach DNS, the store, their namespace\'s distccd and the git ports outside the cluster', () => {
    const builder = specOf(POLICY_NAMES.builder);
    assert.deepEqual(builder.policyTypes, ['Egress']);
    const [dns, store, distcc, git, ...rest] = builder.egress;
    assert.deepEqual(rest, []);
    assert.deepEqual(dns.ports.map((p: { port: number }) => p.port), [53, 53]);
    assert.deepEqual(store, specOf(POLICY_NAMES.runner).egress[2]);
    // A podSelector without namespaceSelector: pods of the policy's own namespace only.
    assert.deepEqual(distcc.to, [{ podSelector: { matchLabels: { 'app.kubernetes.io/managed-by': 'inet-swarm-operator', 'app.kubernetes.io/component': 'distccd' } } }]);
    assert.ok(selects(distcc.to[0].podSelector, ourPods.distccd));
    assert.deepEqual(distcc.ports, [{ port: 3632, protocol: 'TCP' }]);
    assert.deepEqual(git.ports, [{ port: 443, protocol: 'TCP' }, { port: 22, protocol: 'TCP' }]);
    assert.deepEqual(git.to, [
      { ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32', '10.96.0.0/12', '192.168.0.0/16'] } },
      { ipBlock: { cidr: '::/0', except: ['fd00:ec2::254/128', 'fd10::/64'] } },
    ]);
  });

  it('admits to distccd only builders of its namespace, on its port', () => {
    const distccd = specOf(POLICY_NAMES.distccd);
    assert.deepEqual(distccd.policyTypes, ['Ingress']);
    assert.equal(distccd.ingress.length, 1);
    const [rule] = distccd.ingress;
    assert.equal(rule.from.length, 1);
    assert.equal(rule.from[0].namespaceSelector, undefined);
    assert.ok(selects(rule.from[0].podSelector, ourPods.builder));
    assert.ok(!selects(rule.from[0].podSelector, ourPods.runner));
    assert.deepEqual(rule.ports, [{ port: 3632, protocol: 'TCP' }]);
  });

  it('carves the metadata endpoints out of every address block that holds them', () => {
    const blocks = ipBlocks([...policies.values()]);
    assert.ok(blocks.length >= 4);
    for (const block of blocks) {
      for (const metadata of ['169.254.169.254/32', 'fd00:ec2::254/128']) {
        if (strictlyInside(metadata, block.cidr)) assert.ok(block.except?.includes(metadata), `${block.cidr} lets ${metadata} through`);
      }
    }
    assert.deepEqual(specOf(POLICY_NAMES.runner).egress[2].to, [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }, { ipBlock: { cidr: '10.20.0.0/16' } }]);
  });

  it('lets runners reach NATS on any outside address but the metadata endpoints when no peers are given', () => {
    const open = networkSettingsFromEnv({}, { natsUrl: 'nats://nats:4222', mongoUris: ['mongodb+srv://u:p@cluster0.example.net/db'] });
    const [, nats, store] = (namespacePolicies('team', open)[1]?.spec as { egress: unknown }).egress as { to: unknown[]; ports: unknown[] }[];
    assert.deepEqual(nats?.to, [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }, { ipBlock: { cidr: '::/0', except: ['fd00:ec2::254/128'] } }]);
    assert.deepEqual(store?.ports, [{ port: 27017, protocol: 'TCP' }]);
    assert.equal(open.enabled, false, 'off unless the chart switches it on');
  });

  it('labels the served Namespace with the tenant label the servers\' policies select', () => {
    assert.deepEqual(servedNamespace('team'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', labels: { 'inetswarm.dev/tenant': 'true' } } });
  });
});

describe('CIDR arithmetic and the network settings', () => {
  it('tells which blocks lie strictly inside another of the same family', () => {
    const cases: [string, string, boolean][] = [
      ['169.254.169.254/32', '0.0.0.0/0', true],
      ['169.254.169.254/32', '169.254.0.0/16', true],
      ['169.254.169.254/32', '10.0.0.0/8', false],
      ['169.254.169.254/32', '169.254.169.254/32', false],
      ['fd00:ec2::254/128', '::/0', true],
      ['fd00:ec2::254/128', 'fd00::/8', true],
      ['fd00:ec2::254/128', 'fe80::/10', false],
      ['169.254.169.254/32', '::/0', false],
      ['10.0.0.0/8', '10.0.0.0/16', false],
    ];
    for (const [inner, outer, expected] of cases) assert.equal(strictlyInside(inner, outer), expected, `${inner} in ${outer}`);
    for (const bad of ['10.0.0.256/8', '10.0.0.0', '1::2::3/64', '10.0.0.0/33', 'fd00::/129']) assert.equal(parseCidr(bad), undefined, bad);
    assert.deepEqual(ipBlock('10.0.0.0/8', ['169.254.169.254/32']), { cidr: '10.0.0.0/8' });
  });

  it('reads the ports from the pods\' URLs and refuses bad ports and CIDRs, naming the variable', () => {
    assert.deepEqual(natsPorts('nats://nats:4222'), [4222]);
    assert.deepEqual(natsPorts('tls://user:pw@nats.example.org'), [4222]);
    assert.deepEqual(mongoPorts('mongodb://u:p@a:27017,b:27019,c/db?x=1'), [27017, 27019]);
    const servers = { natsUrl: 'nats://n:4222', mongoUris: [] };
    assert.throws(() => networkSettingsFromEnv({ INETSWARM_NETWORK_GIT_PORTS: '443,ssh' }, servers), /INETSWARM_NETWORK_GIT_PORTS/);
    assert.throws(() => networkSettingsFromEnv({ INETSWARM_NETWORK_CLUSTER_CIDRS: '10.96.0.0' }, servers), /INETSWARM_NETWORK_CLUSTER_CIDRS/);
    assert.deepEqual(networkSettingsFromEnv({ INETSWARM_NETWORK_GIT_PORTS: '443 9418' }, servers).gitPorts, [443, 9418]);
  });
});
