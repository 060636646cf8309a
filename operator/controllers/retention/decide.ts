// The orphan collector's decision for one tenant database: which stored
// campaigns and builds no live object owns, which of them to mark as orphans
// now, and which have been orphans for longer than the grace and are deleted
// in this pass (a bounded number). Pure: what was stored and what lives, the
// marks of earlier passes and the clock in; the marks and deletions out.
//
// Why a grace and marks rather than deleting at once: `inet-swarm cancel`
// deletes a campaign and promises that its results stay to be downloaded, and
// a builder uploads its artifact before its build records it. The mark (kept
// in the database, so that a restart keeps counting) says since when an
// owner has been missing.

export type OrphanKind = 'campaign' | 'build';

/** A stored mark: since when nothing live owned this uid's records. */
export interface OrphanMark {
  kind: OrphanKind;
  uid: string;
  since: Date;
}

export interface RetentionInput {
  /** Uids the database holds records of. */
  storedCampaigns: ReadonlySet<string>;
  storedBuilds: ReadonlySet<string>;
  /** Uids of the live objects of this database's namespace, campaigns with those whose results a live rerun merges. */
  liveCampaigns: ReadonlySet<string>;
  liveBuilds: ReadonlySet<string>;
  marks: readonly OrphanMark[];
  now: Date;
  /** How long a campaign's results stay after the campaign is gone. */
  campaignGraceMs: number;
  /** How long a build's record and artifacts stay after the build is gone. */
  buildGraceMs: number;
  /** Most uids deleted in one pass (each deletion is itself bounded). */
  maxDeletions: number;
}

export interface RetentionDecision {
  /** New orphans: marked with `now`. */
  mark: OrphanMark[];
  /** Marks to drop: their uid lives again (an owner appeared) or nothing of it is stored any more. */
  unmark: Pick<OrphanMark, 'kind' | 'uid'>[];
  /** Orphans past their grace, oldest first: delete what is stored of them. */
  delete: OrphanMark[];
}

const key = (kind: OrphanKind, uid: string) => `${kind}/${uid}`;

function orphansOf(kind: OrphanKind, stored: ReadonlySet<string>, live: ReadonlySet<string>): string[] {
  return [...stored].filter((uid) => uid !== '' && !live.has(uid));
}

/** Decides the marks and deletions of one pass over one database. */
export function decideRetention(input: RetentionInput): RetentionDecision {
  const orphans = new Map<string, OrphanKind>();
  for (const uid of orphansOf('campaign', input.storedCampaigns, input.liveCampaigns)) orphans.set(key('campaign', uid), 'campaign');
  for (const uid of orphansOf('build', input.storedBuilds, input.liveBuilds)) orphans.set(key('build', uid), 'build');
  const marked = new Map(input.marks.map((m) => [key(m.kind, m.uid), m]));
  const mark: OrphanMark[] = [];
  for (const [k, kind] of orphans) if (!marked.has(k)) mark.push({ kind, uid: k.slice(kind.length + 1), since: input.now });
  const unmark = input.marks.filter((m) => !orphans.has(key(m.kind, m.uid))).map(({ kind, uid }) => ({ kind, uid }));
  const grace = (kind: OrphanKind) => (kind === 'campaign' ? input.campaignGraceMs : input.buildGraceMs);
  const due = input.marks
    .filter((m) => orphans.has(key(m.kind, m.uid)) && input.now.getTime() - m.since.getTime() >= grace(m.kind))
    .sort((a, b) => a.since.getTime() - b.since.getTime())
    .slice(0, Math.max(0, input.maxDeletions));
  return { mark, unmark, delete: due };
}
