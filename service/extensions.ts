// The routes whose answers are streams of the store's files and scalars, and
// the dashboard: each calls its module with the sources the view resolved.
import type { Extensions } from './api/handlers.ts';
import { HttpError } from './http/errors.ts';

export function extensions(): Extensions {
  const pending = async (): Promise<void> => {
    throw new HttpError(501, 'not yet served');
  };
  return { scalars: pending, archive: pending, runFile: pending, dashboard: pending };
}
