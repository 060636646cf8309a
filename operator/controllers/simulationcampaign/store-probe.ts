// Whether a namespace's store takes writes of the size runs store: one
// document of PROBE_BYTES written into the operator's own probe collection
// and deleted again, at most once per PROBE_INTERVAL_MS per campaign. (A tiny
// update is not enough: on FerretDB's SQLite it fits in the pages it already
// has while a run's files no longer do.) A full disk refuses it (MongoDB's
// OutOfDiskSpace, FerretDB's "database or disk is full"), and the campaign
// shows StoreFull; any other failure is left to the progress read, which
// reports an unreachable store.
import type { Db } from 'mongodb';
import { isStoreFull, storeFullMessage } from '../../../lib/store/full.ts';
import type { CampaignMemory } from './observe.ts';

/** The operator's probe document lives here, beside the tenant's records. */
export const PROBE_COLLECTION = 'operatorProbe';
/** A full store fills slowly and empties by hand: looking twice a minute is often enough. */
export const PROBE_INTERVAL_MS = 30_000;
/** About one small run's result files: a store that cannot take this much is full for the runners. */
export const PROBE_BYTES = 256 * 1024;

/** The store-full message of the last probe, probing again when the last one is older than the interval. */
export async function storeFullOf(db: Db, memory: CampaignMemory, uid: string, now: Date): Promise<string | undefined> {
  const last = memory.storeProbe;
  if (last && now.getTime() - last.at < PROBE_INTERVAL_MS) return last.full;
  let full: string | undefined;
  try {
    const probes = db.collection<{ _id: string; at: Date; blob: string }>(PROBE_COLLECTION);
    await probes.deleteOne({ _id: uid });
    await probes.insertOne({ _id: uid, at: now, blob: 'x'.repeat(PROBE_BYTES) });
    await probes.deleteOne({ _id: uid });
  } catch (error) {
    full = isStoreFull(error) ? storeFullMessage(error) : last?.full;
  }
  memory.storeProbe = { at: now.getTime(), full };
  return full;
}
