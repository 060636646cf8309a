// The routes whose answers are streams of the store's files and scalars, and
// the dashboard: each calls its module with the sources the view resolved
// (so access was checked before anything is read).
import type { Db } from 'mongodb';
import type { TenantDbs } from '../lib/store/tenant-dbs.ts';
import type { Logger } from 'pino';
import { RESULTS_API_PATH } from '../api/results.ts';
import { exportCsvR } from '../lib/store/scalars-export.ts';
import { runsOf } from '../lib/store/store.ts';
import type { Extensions, Request } from './api/handlers.ts';
import { handleDashboard } from './dashboard/handler.ts';
import { sendArchive, sendFile } from './files/http.ts';
import { notFound } from './http/errors.ts';

/** Where the dashboard's pages live on the API server. */
export const DASHBOARD_PATH = `${RESULTS_API_PATH}/dashboard`;

/** Writes the CSV-R export with backpressure; a client that leaves stops the export. */
async function sendScalars(db: Db, { url, res, signal, match }: Request, sources: string[]): Promise<void> {
  const filter = { ...(url.searchParams.get('module') ? { module: url.searchParams.get('module') ?? '' } : {}), ...(url.searchParams.get('name') ? { name: url.searchParams.get('name') ?? '' } : {}) };
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'cache-control': 'no-store',
    'content-disposition': `attachment; filename="${(match.params.name ?? 'scalars').replace(/[^\w.-]/g, '_')}-scalars.csv"`,
  });
  for await (const chunk of exportCsvR(db, sources, filter)) {
    if (signal.aborted) return;
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
  }
  res.end();
}

/** The routes' database: the namespace of the request's path, whose access the view checked. */
function dbOf(store: TenantDbs, request: Request): Db {
  return store.db(request.match.params.namespace ?? '');
}

export function extensions(store: TenantDbs, log: Logger): Extensions {
  return {
    scalars: (request, sources) => sendScalars(dbOf(store, request), request, sources),
    archive: (request, sources) => sendArchive(request.req, request.res, dbOf(store, request), sources, `${request.match.params.name ?? 'campaign'}-results.tar`),
    runFile: async (request, sources, run, file) => {
      const db = dbOf(store, request);
      // The newest source that stored the run provides it, as in the archive.
      for (const uid of [...sources].reverse()) {
        const doc = await runsOf(db).findOne({ _id: `${uid}/${run}` }, { projection: { resultFiles: 1 } });
        const ref = doc?.resultFiles?.find((f) => f.name === file);
        if (ref) return sendFile(request.req, request.res, db, ref);
        if (doc?.resultFiles) break;
      }
      throw notFound(`Run ${run} has no stored result file ${file}.`);
    },
    dashboard: async ({ req, res, view }) => {
      await handleDashboard(req, res, view, DASHBOARD_PATH, (err) => log.error({ err }, 'dashboard page failed'));
    },
  };
}
