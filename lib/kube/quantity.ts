// Kubernetes memory-style quantities (`10Gi`, `500M`, `1e9`, a bare number of
// bytes) as a number of bytes, for settings the API gives as quantities and a
// program needs as a count (spec.results.maxSize). Pure.

const SUFFIX: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};

/** The bytes a quantity stands for, rounded up to a whole byte; undefined when it is not a quantity of bytes. */
export function quantityBytes(quantity: string | number): number | undefined {
  if (typeof quantity === 'number') return Number.isFinite(quantity) && quantity >= 0 ? Math.ceil(quantity) : undefined;
  const m = /^\s*([0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)([kMGTP]i?|Ki)?\s*$/.exec(quantity);
  const factor = m ? SUFFIX[m[2] ?? ''] : undefined;
  if (!m || factor === undefined) return undefined;
  return Math.ceil(Number(m[1]) * factor);
}
