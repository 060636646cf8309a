// Whether a namespace's store takes writes: one small upsert into the
// operator's own probe document, at most once per PROBE_INTERVAL_MS per
// campaign. A full disk refuses it (MongoDB's OutOfDiskSpace, FerretDB's
// "database or disk is full"), and the campaign shows StoreFull; any other
// failure is left to the progress read, which reports an unreachable store.
import type { Db } from 'mongodb';
import { isStoreFull, storeFullMessage } from '../../../lib/store/full.ts';
import type { CampaignMemory } from './observe.ts';

/** The operator's probe document lives here, beside the tenant's records. */
export const PROBE_COLLECTION = 'operatorProbe';
/** A full store fills slowly and empties by hand: looking twice a minute is often enough. */
export const PROBE_INTERVAL_MS = 30_000;

/** The store-full message of the last probe, probing again when the last one is older than the interval. */
export async function storeFullOf(db: Db, memory: CampaignMemory, now: Date): Promise<string | undefined> {
  const last = memory.storeProbe;
  if (last && now.getTime() - last.at < PROBE_INTERVAL_MS) return last.full;
  let full: string | undefined;
  try {
    await db.collection<{ _id: string; at: Date }>(PROBE_COLLECTION).updateOne({ _id: 'probe' }, { $set: { at: now } }, { upsert: true });
  } catch (error) {
    full = isStoreFull(error) ? storeFullMessage(error) : last?.full;
  }
  memory.storeProbe = { at: now.getTime(), full };
  return full;
}
