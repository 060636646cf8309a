// A real browser for the dashboard's tests and benchmark: Debian's chromium
// (installed by the stack's package helper when missing) driven by
// playwright-core, headless; --no-sandbox because the suite runs as root,
// where chromium's sandbox refuses to start. Also the node:http server on
// 127.0.0.1 that serves a handler to it, and the artifacts folder for
// screenshots.
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { BROWSER_PACKAGES, ensureDebianPackages } from '../stack/system-packages.ts';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  await ensureDebianPackages(BROWSER_PACKAGES, (line) => process.stderr.write(`${line}\n`));
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

export interface Served {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

/** Serves `handle` on a free port of 127.0.0.1; a request it declines (false) gets a plain 404. */
export async function serveOnLoopback(handle: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>): Promise<Served> {
  const server = createServer((req, res) => {
    handle(req, res).then(
      (handled) => {
        if (!handled) res.writeHead(404, { 'content-type': 'text/plain' }).end('not a dashboard path\n');
      },
      (error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `test/artifacts/<name>/` (ignored by git), created, for a test's screenshots; CI can collect the folder. */
export async function artifactsDir(name: string): Promise<string> {
  const dir = join(REPO_ROOT, 'test', 'artifacts', name);
  await mkdir(dir, { recursive: true });
  return dir;
}
