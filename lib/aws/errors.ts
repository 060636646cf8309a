// How an AWS SDK failure leaves the adapter: as a TemporaryError (throttling,
// 5xx, no answer, credentials that may yet appear, an update in progress) or a
// PermanentError that names what to fix (a denied IAM action, a missing
// cluster, nodegroup or instance type, a rejected request).
import { PermanentError, TemporaryError } from '../errors.ts';

/** AWS denied a call: the operator's IAM role lacks `action`. */
export class AwsAccessDeniedError extends PermanentError {
  constructor(
    readonly action: string,
    readonly resource: string,
    options?: { cause?: unknown },
  ) {
    super(
      `AWS denied ${action} on ${resource}: add ${action} to the operator's IAM role (see docs/eks.md for the policy)`,
      options,
    );
    this.name = 'AwsAccessDeniedError';
  }
}

/** The cluster, nodegroup or instance type named in the configuration does not exist. */
export class AwsNotFoundError extends PermanentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AwsNotFoundError';
  }
}

/** The fields of an SDK error (or a network error) that the mapping reads. */
export interface AwsErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
}

const throttlingNames = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'SlowDown',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'ServerException',
]);
const accessDeniedNames = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation', 'UnauthorizedException']);
const credentialNames = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
  'AuthFailure',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
]);

/**
 * Maps an SDK error to a typed error. `action` is the IAM action of the call
 * (e.g. `eks:UpdateNodegroupConfig`), so an access denial says what to grant.
 */
export function mapAwsError(err: unknown, action: string, resource: string): Error {
  if (err instanceof TemporaryError || err instanceof PermanentError) return err;
  const e = (err ?? {}) as AwsErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const detail = e.message ? `: ${e.message}` : '';
  if (accessDeniedNames.has(name)) return new AwsAccessDeniedError(action, resource, { cause: err });
  if (name === 'ResourceNotFoundException' || name === 'NotFoundException' || name === 'InvalidInstanceType') {
    return new AwsNotFoundError(`${action} found no ${resource}${detail}`, { cause: err });
  }
  if (credentialNames.has(name)) {
    // Credentials may appear a moment later (IRSA token mount, rotated keys).
    return new TemporaryError(`${action} failed: AWS credentials are missing or invalid (${name}${detail})`, { cause: err });
  }
  if (throttlingNames.has(name) || status === 429 || (status !== undefined && status >= 500)) {
    return new TemporaryError(`${action} on ${resource} was throttled or failed at AWS (${name}${detail}); retrying later`, {
      cause: err,
    });
  }
  if (name === 'ResourceInUseException') {
    return new TemporaryError(`${action} on ${resource}: another update is in progress (${name}${detail})`, { cause: err });
  }
  if (status === undefined || e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'ETIMEDOUT') {
    // No HTTP answer at all: the network or the endpoint, not the request.
    return new TemporaryError(`${action} on ${resource} could not reach AWS (${name}${detail})`, { cause: err });
  }
  return new PermanentError(`${action} on ${resource} was rejected (${name}${detail})`, { cause: err });
}

/** Runs one SDK call; its failure is thrown mapped (see mapAwsError). */
export async function awsCall<T>(action: string, resource: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw mapAwsError(err, action, resource);
  }
}
