// A time limit for one @kubernetes/client-node 1.x call. The generated
// clients take no timeout, and a call to an API server that stopped answering
// never returns; a middleware can give the request an AbortSignal, which the
// client's fetch honours (the call then rejects).
import { Observable, type ConfigurationOptions, type ObservableMiddleware, type RequestContext, type ResponseContext } from '@kubernetes/client-node';

/** Call options that abort the call (and any other call given the same options) `ms` from now. */
export function within(ms: number): ConfigurationOptions {
  const signal = AbortSignal.timeout(Math.max(1, Math.ceil(ms)));
  const limit: ObservableMiddleware = {
    pre: (context: RequestContext) => {
      context.setSignal(signal);
      return new Observable(Promise.resolve(context));
    },
    post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [limit], middlewareMergeStrategy: 'append' };
}
