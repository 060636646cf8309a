// The chaos test's schedule of faults, drawn from one seed so that a failure
// can be replayed: the same seed gives the same faults in the same order, at
// the same offsets, hitting the same runner slots (the machine's timing still
// varies between runs). Pure.

/** What a fault does: SIGKILL one server or process (then it comes back), or stall a runner. */
export type FaultKind = 'nats' | 'store' | 'operator' | 'runner-kill' | 'runner-freeze';

/** Every kind, each of which a plan holds at least once. */
export const FAULT_KINDS: readonly FaultKind[] = ['nats', 'store', 'operator', 'runner-kill', 'runner-freeze'];

export interface Fault {
  kind: FaultKind;
  /** When it happens, in ms after the previous fault (the first: after the runners start). */
  afterMs: number;
  /** How long a killed server stays down, or a runner stays stopped, in ms. */
  downMs: number;
  /** In [0, 1): which of the live runners it hits (runner faults). */
  pick: number;
}

export interface PlanOptions {
  /** Number of faults; at least FAULT_KINDS.length. */
  count: number;
  /** Range of the gaps between faults. */
  gapMs: [number, number];
  /** Range of a server's downtime after its kill. */
  downMs: [number, number];
  /** How long a stalled runner stays stopped: longer than the queue's AckWait, so that its task is handed to another runner. */
  freezeMs: number;
}

/** A PRNG (mulberry32) of 32-bit state: numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this test run: `INETSWARM_CHAOS_SEED` when set (a replay), else drawn at random. */
export function chaosSeed(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.INETSWARM_CHAOS_SEED;
  if (text === undefined || text === '') return Math.floor(Math.random() * 2 ** 32);
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`INETSWARM_CHAOS_SEED must be an integer in [0, 2^32), not ${text}`);
  return seed;
}

function between(random: () => number, [lo, hi]: [number, number]): number {
  return Math.round(lo + random() * (hi - lo));
}

/**
 * The faults of one run: every kind once, in a random order, first (so that
 * each happens while the campaign surely still runs), then random kinds up to
 * `count`.
 */
export function chaosPlan(seed: number, o: PlanOptions): Fault[] {
  const random = seededRandom(seed);
  const kinds = [...FAULT_KINDS];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  while (kinds.length < o.count) kinds.push(FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)]!);
  return kinds.map((kind) => ({
    kind,
    afterMs: between(random, o.gapMs),
    downMs: kind === 'runner-freeze' ? o.freezeMs : between(random, o.downMs),
    pick: random(),
  }));
}
