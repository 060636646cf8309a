// CIDR arithmetic for NetworkPolicy ipBlocks: which of a list of blocks lie
// strictly inside another of the same family, so that an allow rule on a wide
// block can carve out the cloud metadata endpoints and the cluster's own
// ranges (the API server refuses an `except` that is not strictly inside).
// Pure: no `net` module, whose BlockList would make this an I/O import.

/** The link-local addresses where clouds serve instance metadata and credentials (AWS, GCP, Azure; AWS's IPv6). */
export const METADATA_CIDRS = ['169.254.169.254/32', 'fd00:ec2::254/128'] as const;
export const ANY_IPV4 = '0.0.0.0/0';
export const ANY_IPV6 = '::/0';

interface Block {
  bits: 32 | 128;
  address: bigint;
  prefix: number;
}

function ipv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((value, part) => (value << 8n) | BigInt(part), 0n);
}

function ipv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined) => (half ? half.split(':') : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const all = [...head, ...Array<string>(missing).fill('0'), ...tail];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return all.reduce((value, group) => (value << 16n) | BigInt(`0x${group}`), 0n);
}

/** The block `cidr` stands for, or undefined when it is no CIDR. */
export function parseCidr(cidr: string): Block | undefined {
  const [address = '', prefixText = '', extra] = cidr.split('/');
  if (extra !== undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const v4 = address.includes(':') ? undefined : ipv4(address);
  if (v4 !== undefined) return prefix <= 32 ? { bits: 32, address: v4, prefix } : undefined;
  const v6 = ipv6(address);
  return v6 !== undefined && prefix <= 128 ? { bits: 128, address: v6, prefix } : undefined;
}

/** Whether `inner` lies inside `outer` and is smaller than it (what NetworkPolicy's `except` requires). */
export function strictlyInside(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  if (!a || !b || a.bits !== b.bits || a.prefix <= b.prefix) return false;
  const shift = BigInt(b.bits - b.prefix);
  return a.address >> shift === b.address >> shift;
}

/** An ipBlock on `cidr` whose `except` holds each of `carveOut` inside it (and what it already excepted). */
export function ipBlock(cidr: string, carveOut: readonly string[], already: readonly string[] = []): { cidr: string; except?: string[] } {
  const except = [...new Set([...already, ...carveOut.filter((c) => strictlyInside(c, cidr))])];
  return except.length > 0 ? { cidr, except } : { cidr };
}
