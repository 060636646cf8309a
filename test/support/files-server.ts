// A node:http server that serves the results service's file downloads
// (service/files/http.ts) from the stack's MongoDB-wire server, with a
// router of the tests' own: `/<db>/archive?sources=a,b` and
// `/<db>/file/<campaign uid>/<run>/<index of the run's file>`. The real
// router and its authorization are the service's; these tests are about the
// bytes and headers of a download. Nothing here acts when imported.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MongoClient } from 'mongodb';
import { runId, runsOf } from '../../lib/store/store.ts';
import { sendArchive, sendFile } from '../../service/files/http.ts';

async function route(client: MongoClient, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://files');
  const [dbName, kind, source, run, index] = url.pathname.split('/').slice(1);
  const db = client.db(dbName);
  if (kind === 'archive') return sendArchive(req, res, db, (url.searchParams.get('sources') ?? '').split(','), 'campaign.tar');
  const doc = kind === 'file' ? await runsOf(db).findOne({ _id: runId(source ?? '', Number(run)) }) : null;
  const ref = doc?.resultFiles?.[Number(index)];
  if (!ref) {
    res.writeHead(404).end();
    return;
  }
  return sendFile(req, res, db, ref);
}

/** Starts the server on 127.0.0.1 at a free port. */
export async function startFilesServer(client: MongoClient): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    // A download that fails mid-body has already broken its connection.
    route(client, req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
