// The real node's cluster DNS: a small UDP server on the pod network's
// gateway that answers A queries for Services as CoreDNS does, from the API
// server's EndpointSlices: `<service>.<namespace>.svc.cluster.local` gives a
// ClusterIP, or for a headless Service the addresses of its ready pods (the
// builder finds its distccd peers that way). Every other name gets NXDOMAIN:
// nothing beyond this machine is reachable anyway. The kubelet points pods at
// it (clusterDNS), so their resolv.conf searches the cluster domain first.
import { createSocket, type Socket } from 'node:dgram';
import { apiRequest, type ApiAccess } from '../servers/kube.ts';

export const CLUSTER_DOMAIN = 'cluster.local';

/** A parsed question: the name (lowercase, no trailing dot), its type and where the question section ends. */
interface Question {
  name: string;
  type: number;
  end: number;
}

export function readQuestion(packet: Buffer): Question | undefined {
  let offset = 12;
  const labels: string[] = [];
  while (offset < packet.length) {
    const length = packet[offset] ?? 0;
    if (length === 0) break;
    labels.push(packet.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  if (offset + 5 > packet.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: packet.readUInt16BE(offset + 1), end: offset + 5 };
}

/** The reply to `query`: the question echoed, then one A record per address (NXDOMAIN when there is none). */
export function dnsReply(query: Buffer, question: Question, addresses: string[] | undefined): Buffer {
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  // QR, opcode 0, AA, RD copied; RA; rcode 3 (NXDOMAIN) when the name is unknown.
  header.writeUInt16BE(0x8400 | ((query[2] ?? 0) & 0x01) << 8 | 0x0080 | (addresses === undefined ? 3 : 0), 2);
  header.writeUInt16BE(1, 4);
  const answers = question.type === 1 ? (addresses ?? []) : [];
  header.writeUInt16BE(answers.length, 6);
  const records = answers.map((ip) => {
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    record.writeUInt16BE(1, 2); // A
    record.writeUInt16BE(1, 4); // IN
    record.writeUInt32BE(5, 6); // TTL: pods come and go
    record.writeUInt16BE(4, 10);
    ip.split('.').forEach((part, i) => record.writeUInt8(Number(part), 12 + i));
    return record;
  });
  return Buffer.concat([header, query.subarray(12, question.end), ...records]);
}

/** `<service>.<namespace>` of a cluster name, or undefined for any other name. */
export function serviceOf(name: string): { service: string; namespace: string } | undefined {
  const match = new RegExp(`^([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc\\.${CLUSTER_DOMAIN.replace('.', '\\.')}$`).exec(name);
  return match ? { service: match[1] ?? '', namespace: match[2] ?? '' } : undefined;
}

interface ServiceView {
  spec?: { clusterIP?: string };
}
interface SliceList {
  items?: { endpoints?: { addresses?: string[]; conditions?: { ready?: boolean } }[] }[];
}

/** The Service's addresses as CoreDNS gives them; undefined when there is no such Service. */
async function lookup(admin: ApiAccess, service: string, namespace: string): Promise<string[] | undefined> {
  const svc = await apiRequest(admin, 'GET', `/api/v1/namespaces/${namespace}/services/${service}`);
  if (svc.status !== 200) return undefined;
  const clusterIP = (svc.body as ServiceView).spec?.clusterIP;
  if (clusterIP && clusterIP !== 'None') return [clusterIP];
  const selector = encodeURIComponent(`kubernetes.io/service-name=${service}`);
  const slices = await apiRequest(admin, 'GET', `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices?labelSelector=${selector}`);
  const endpoints = ((slices.body as SliceList).items ?? []).flatMap((s) => s.endpoints ?? []);
  return endpoints.filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses ?? []);
}

export interface ClusterDns {
  address: string;
  close(): Promise<void>;
}

/** Answers on `host`:53 until closed. */
export async function startClusterDns(host: string, admin: ApiAccess): Promise<ClusterDns> {
  const socket: Socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    const question = readQuestion(query);
    if (!question) return;
    const target = serviceOf(question.name);
    const answer = target ? lookup(admin, target.service, target.namespace).catch(() => undefined) : Promise.resolve(undefined);
    void answer.then((addresses) => socket.send(dnsReply(query, question, addresses), peer.port, peer.address));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(53, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return { address: host, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}
