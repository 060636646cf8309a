// What the CLI tells its user when the results API (results.inetswarm.dev,
// reached through the API server) refuses a request: the API's Status
// document turned into a sentence that says what is wrong and what to do.
// Pure; campaign/results-api.ts makes the requests.
import { RESULTS_GROUP, RESULTS_VERSION, type ApiStatus } from '../../api/results.ts';

/** A refused request: its status, its body as text, what it asked for. */
export interface ApiRefusal {
  code: number;
  body: string;
  /** The namespace the request was about. */
  namespace: string;
  /** What the CLI was doing, for the message: "reading campaign x". */
  doing: string;
}

/** The Status document's message, else the body's first line (a proxy's or an old server's plain text). */
export function statusMessage(body: string): string {
  try {
    const doc = JSON.parse(body) as Partial<ApiStatus>;
    if (doc && typeof doc.message === 'string' && doc.message !== '') return doc.message;
  } catch {
    // Not JSON: the text itself.
  }
  return body.trim().split('\n', 1)[0] ?? '';
}

const API = `${RESULTS_GROUP}/${RESULTS_VERSION}`;

/** The API server's own 404 for a group it serves no APIService for (not the service's "no campaign"). */
export function isUnservedGroup(message: string): boolean {
  return /could not find the requested resource|404 page not found/i.test(message) || message === '';
}

const notInstalled = (detail: string): string =>
  `The results service (${API}) is not installed on this cluster or is not ready${detail ? ` (${detail})` : ''}. ` +
  'Ask your cluster admin to install it with the inet-swarm chart; admins can read the result store directly with --mongo-uri.';

/** The sentence for a refused request. */
export function refusalMessage(r: ApiRefusal): string {
  const message = statusMessage(r.body);
  switch (r.code) {
    case 401:
      return `The API server did not accept your credentials while ${r.doing} (401: ${message}). Check your kubeconfig: kubectl auth whoami`;
    case 403:
      return (
        `You may not read campaigns in namespace ${r.namespace} (${message}). ` +
        `Reading results needs get on simulationcampaigns.inetswarm.dev in ${r.namespace}: ask your cluster admin for the inet-swarm user role there.`
      );
    case 404:
      if (isUnservedGroup(message)) return notInstalled(`the API server has no ${API}`);
      return `${message} See the campaigns with: inet-swarm list -n ${r.namespace}`;
    case 501:
      return `The results service on this cluster cannot do this yet while ${r.doing} (501: ${message}); it may need an update.`;
    case 502:
    case 503:
    case 504:
      return notInstalled(`${r.code}: ${message}`);
    default:
      return `The results service refused ${r.doing} (${r.code}: ${message}).`;
  }
}
