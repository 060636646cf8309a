// The routes whose answers are streams of the store's files and scalars, and
// the dashboard: each calls its module with the sources the view resolved.
import type { Logger } from 'pino';
import { RESULTS_API_PATH } from '../api/results.ts';
import type { Extensions } from './api/handlers.ts';
import { handleDashboard } from './dashboard/handler.ts';
import { HttpError } from './http/errors.ts';

/** Where the dashboard's pages live on the API server. */
export const DASHBOARD_PATH = `${RESULTS_API_PATH}/dashboard`;

export function extensions(log: Logger): Extensions {
  const pending = async (): Promise<void> => {
    throw new HttpError(501, 'not yet served');
  };
  return {
    scalars: pending,
    archive: pending,
    runFile: pending,
    dashboard: async ({ req, res, view }) => {
      await handleDashboard(req, res, view, DASHBOARD_PATH, (err) => log.error({ err }, 'dashboard page failed'));
    },
  };
}
