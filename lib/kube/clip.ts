// Clips the strings of a status to the CRD's limits (api/status-limits.ts)
// before it is written, so that a long message or log tail shortens the text
// instead of losing the whole write. Pure.
import type { KeptEnd, StringLimit } from '../../api/status-limits.ts';

const ELLIPSIS = '…';

/**
 * `text` in at most `maxLength` code points (the unit the API server counts).
 * A clipped start says so with an ellipsis at its end; a clipped log keeps
 * its last lines, from a line start where one is near.
 */
export function clipText(text: string, maxLength: number, keep: KeptEnd): string {
  const points = Array.from(text);
  if (points.length <= maxLength) return text;
  if (keep === 'start') return points.slice(0, maxLength - 1).join('') + ELLIPSIS;
  const tail = points.slice(points.length - (maxLength - 1)).join('');
  const lineStart = tail.indexOf('\n');
  const fromLine = lineStart >= 0 && lineStart < tail.length / 4 ? tail.slice(lineStart + 1) : tail;
  return ELLIPSIS + fromLine;
}

type Json = unknown;

function clipAt(value: Json, steps: readonly string[], limit: StringLimit): Json {
  if (steps.length === 0) return typeof value === 'string' ? clipText(value, limit.maxLength, limit.keep) : value;
  const [step, ...rest] = steps as [string, ...string[]];
  if (step.endsWith('[]')) {
    const key = step.slice(0, -2);
    const list = (value as Record<string, Json> | undefined)?.[key];
    if (!Array.isArray(list)) return value;
    return { ...(value as object), [key]: list.map((item: Json) => clipAt(item, rest, limit)) };
  }
  if (value === null || typeof value !== 'object' || !(step in value)) return value;
  return { ...(value as object), [step]: clipAt((value as Record<string, Json>)[step], rest, limit) };
}

/** A copy of `status` with every limited string clipped; the input is not changed. */
export function clipToLimits<T>(status: T, limits: readonly StringLimit[]): T {
  let clipped: Json = status;
  for (const limit of limits) clipped = clipAt(clipped, limit.path.split('.'), limit);
  return clipped as T;
}
