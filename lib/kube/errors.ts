// Small helpers over @kubernetes/client-node 1.x errors, shared by the runtime and the controllers.
import { ApiException } from '@kubernetes/client-node';
import { PermanentError, TemporaryError } from '../errors.ts';

/** HTTP status of a Kubernetes API error, or undefined for other errors (network, timeouts). */
export function statusCode(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function isNotFound(error: unknown): boolean {
  return statusCode(error) === 404;
}

export function isConflict(error: unknown): boolean {
  return statusCode(error) === 409;
}

/**
 * Maps an API error to the house error types: 4xx other than 404/409/429 are
 * permanent (the request itself is wrong), everything else is temporary.
 */
export function classify(error: unknown, what: string): TemporaryError | PermanentError {
  if (error instanceof TemporaryError || error instanceof PermanentError) return error;
  const code = statusCode(error);
  const detail = apiMessage(error);
  if (code !== undefined && code >= 400 && code < 500 && code !== 404 && code !== 409 && code !== 429) {
    return new PermanentError(`${what}: ${detail}`, { cause: error });
  }
  return new TemporaryError(`${what}: ${detail}`, { cause: error });
}

/** The API server's message for an error (its Status body), else the error's own message. */
export function apiMessage(error: unknown): string {
  if (error instanceof ApiException) {
    const body: unknown = error.body;
    if (typeof body === 'string') {
      try {
        const parsed = JSON.parse(body) as { message?: string };
        if (parsed.message) return `${error.code} ${parsed.message}`;
      } catch {
        return `${error.code} ${body.slice(0, 300)}`;
      }
    }
    const message = (body as { message?: string } | null)?.message;
    if (message) return `${error.code} ${message}`;
    return `HTTP ${error.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}
