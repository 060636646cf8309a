// Typed errors shared by the operator: the caller decides between retrying
// with backoff and recording a condition from the type alone.

/** A failure that may pass on its own (throttling, a restarting server): retry with backoff. */
export class TemporaryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemporaryError';
  }
}

/** A failure that needs a change by someone (bad spec, missing permission): record it and stop retrying. */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/** A run's result folder over its limits (spec.results.maxFiles, maxSize): the run fails as ResultsTooLarge, not retried. */
export class ResultsTooLargeError extends PermanentError {
  constructor(message: string) {
    super(message);
    this.name = 'ResultsTooLargeError';
  }
}
