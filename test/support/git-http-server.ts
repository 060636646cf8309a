// A git smart-HTTP server for tests: git's own `git http-backend` behind a
// Node HTTP server that demands Basic authentication, as GitHub or GitLab do
// for a private repository. It records every Authorization header it is sent,
// so that a test can tell which host was offered which credential, and can
// redirect paths to another server.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHttpServer {
  /** `http://<host>:<port>`, no trailing slash. */
  url: string;
  /** Every request's path and the credential it carried (decoded `user:password`, or undefined). */
  requests: Array<{ path: string; credential: string | undefined }>;
  close(): Promise<void>;
}

export interface GitHttpOptions {
  /** The folder whose bare repositories are served (GIT_PROJECT_ROOT). */
  root: string;
  /** Address to listen on, e.g. 127.0.0.1 or 127.0.0.2 (another host on the loopback network). */
  host: string;
  /** The one `user:password` accepted; undefined accepts none (every request is answered 401). */
  accept?: string;
  /** Path prefixes answered with a 302 to another base URL (the rest of the path kept). */
  redirects?: Record<string, string>;
}

function credentialOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (!header?.startsWith('Basic ')) return header;
  return Buffer.from(header.slice(6), 'base64').toString();
}

/** Runs `git http-backend` as a CGI program for one request. */
function cgi(root: string, request: IncomingMessage, response: ServerResponse, remoteUser: string): void {
  const url = new URL(request.url ?? '/', 'http://x');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '',
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: request.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      REMOTE_USER: remoteUser,
      REMOTE_ADDR: request.socket.remoteAddress ?? '',
      GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
      HTTP_CONTENT_ENCODING: String(request.headers['content-encoding'] ?? ''),
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  request.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) return void response.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString().split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else response.setHeader(name, value);
    }
    response.writeHead(status);
    response.write(head.subarray(end + 4));
  });
  child.once('close', () => {
    if (!headersDone) response.writeHead(500);
    response.end();
  });
}

/** Starts a server on `options.host` and a free port. */
export async function startGitHttpServer(options: GitHttpOptions): Promise<GitHttpServer> {
  const requests: GitHttpServer['requests'] = [];
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    const credential = credentialOf(request);
    requests.push({ path, credential });
    const redirect = Object.entries(options.redirects ?? {}).find(([prefix]) => path.startsWith(prefix));
    if (redirect) {
      response.writeHead(302, { location: `${redirect[1]}${path.slice(redirect[0].length)}` }).end();
      return;
    }
    if (options.accept === undefined || credential !== options.accept) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      return;
    }
    cgi(options.root, request, response, options.accept.split(':')[0] ?? '');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
