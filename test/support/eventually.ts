// Waiting for the world to reach a state: the integration tests observe
// controllers and processes that converge in their own time. The one polling
// helper of the suite.
import { setTimeout as sleep } from 'node:timers/promises';

/** Thrown by a probe to say "not yet" and what it saw instead; the timeout error quotes the last one. */
export function notYet(seen: unknown): never {
  throw new Error(`last seen: ${JSON.stringify(seen)}`);
}

/**
 * Polls `probe` until it returns a value other than undefined or false (so a
 * boolean probe waits for true); a probe that throws counts as "not yet".
 * Fails naming `what` (and the last error) after `timeoutMs`.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  everyMs = 300,
): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(everyMs);
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}
