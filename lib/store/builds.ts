// What the builder records about a build, read back by the operator: a
// document in the MongoDB `builds` collection keyed by the build's uid, and
// the same result (bounded) as the builder container's termination message.

export const BUILDS_COLLECTION = 'builds';

export interface BuildFailure {
  /** CamelCase: CloneFailed, RevisionNotFound, CompileFailed, PackageFailed, UploadFailed, Timeout. */
  reason: string;
  message: string;
  logTail?: string;
}

/** Final outcome of one builder run. */
export type BuildResult =
  | { phase: 'Succeeded'; artifact: { digest: string; size: number } }
  | { phase: 'Failed'; failure: BuildFailure };

/** Whether an artifact a builder claims to have stored is there as claimed (the operator's own check). */
export type ArtifactCheck = { verified: true } | { verified: false; problem: string };

/** The `builds` document. */
export interface BuildRecord {
  _id: string;
  name: string;
  namespace: string;
  phase: 'Building' | 'Succeeded' | 'Failed';
  startedAt: Date;
  finishedAt?: Date;
  artifact?: { digest: string; size: number };
  failure?: BuildFailure;
}

/** The record's outcome, if it is final. */
export function resultOfRecord(record: BuildRecord | undefined): BuildResult | undefined {
  if (record?.phase === 'Succeeded' && record.artifact) return { phase: 'Succeeded', artifact: record.artifact };
  if (record?.phase === 'Failed' && record.failure) return { phase: 'Failed', failure: record.failure };
  return undefined;
}

/** JSON of the result, shortened (log tail first) to fit the kubelet's 4096-byte termination message. */
export function terminationMessage(result: BuildResult, limit = 4096): string {
  let text = JSON.stringify(result);
  if (result.phase === 'Failed') {
    let tail = result.failure.logTail ?? '';
    while (Buffer.byteLength(text) > limit && tail.length > 0) {
      tail = tail.slice(Math.max(1, Math.floor(tail.length / 4)));
      const shortened = tail.replace(/^[^\n]*\n/, '');
      tail = shortened.length < tail.length ? shortened : tail;
      text = JSON.stringify({ ...result, failure: { ...result.failure, logTail: tail } });
    }
    if (Buffer.byteLength(text) > limit) {
      text = JSON.stringify({ phase: 'Failed', failure: { reason: result.failure.reason, message: result.failure.message.slice(0, limit / 2) } });
    }
  }
  return text;
}

/** The result in a termination message, or undefined when it is not one. */
export function parseTerminationMessage(text: string | undefined): BuildResult | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<BuildResult> & { artifact?: unknown; failure?: unknown };
    if (value.phase === 'Succeeded' && typeof (value.artifact as { digest?: unknown })?.digest === 'string') {
      return value as BuildResult;
    }
    if (value.phase === 'Failed' && typeof (value.failure as { reason?: unknown })?.reason === 'string') {
      return value as BuildResult;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
