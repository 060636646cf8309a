// A campaign's document in the store: written once by the plan task (the
// run count, or why expansion failed), read by the runners, the operator and
// the CLI.
import type { Db } from 'mongodb';
import { campaignsOf, type CampaignDoc } from './store.ts';

/** Records the plan's run count; the first plan wins, so a redelivered plan task changes nothing. */
export async function recordPlan(db: Db, doc: Omit<CampaignDoc, 'plannedAt' | 'planError'>, now = new Date()): Promise<void> {
  await campaignsOf(db).updateOne({ _id: doc._id }, { $setOnInsert: { ...doc, plannedAt: now } }, { upsert: true });
}

export async function readCampaign(db: Db, campaignUid: string): Promise<CampaignDoc | null> {
  return campaignsOf(db).findOne({ _id: campaignUid });
}
