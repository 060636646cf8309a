// Which failures of a plan end the campaign (PlanFailed, with the reason) and
// which hand the plan task back for another try. A plan is the same query of
// the same binary every time, so only a failure of what lies around it (the
// queue, the store, the launcher's connection) can pass; a plan too large for
// the process (a call stack, a string or a buffer past V8's limits) fails the
// same way on every try, and was retried every 2 s for ever before. Pure.
import { PermanentError, TemporaryError } from '../errors.ts';

/** Node's codes for a value past a size limit: the same input meets the same limit again. */
const SIZE_LIMIT_CODES = new Set(['ERR_STRING_TOO_LONG', 'ERR_BUFFER_TOO_LARGE', 'ERR_FS_FILE_TOO_LARGE']);

/** The campaign's plan error for a failure that no retry can cure; undefined for one worth retrying. */
export function permanentPlanFailure(err: unknown): string | undefined {
  if (err instanceof TemporaryError) return undefined;
  if (err instanceof PermanentError) return err.message;
  // Maximum call stack size exceeded, Invalid string length, Invalid array length.
  if (err instanceof RangeError) return `the plan is too large for the runner: ${err.message}`;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && SIZE_LIMIT_CODES.has(code)) return `the plan is too large for the runner: ${(err as Error).message}`;
  return undefined;
}
