// The one error a request handler throws to answer with a status: rendered as
// the Kubernetes API's own Status document (kubectl prints its message), or as
// an error page by the dashboard. Pure.
import type { ApiStatus } from '../../api/results.ts';

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  416: 'RequestedRangeNotSatisfiable',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function notFound(message: string): HttpError {
  return new HttpError(404, message);
}

export function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}

/** The Status document of an error. */
export function statusOf(error: HttpError): ApiStatus {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: error.message, reason: REASONS[error.status] ?? 'Unknown', code: error.status };
}
