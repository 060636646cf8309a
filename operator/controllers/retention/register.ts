// The orphan collector as the runtime registers it: one periodic key whose
// pass (pass.ts) deletes what the store keeps of campaigns and builds that no
// longer exist, once they have been gone for the grace. No informers: each
// pass lists the live objects from the API after reading the store, so that
// a cache lagging behind cannot make a live campaign look gone.
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { ControllerContext, ControllerModule, Registration } from '../../runtime/registration.ts';
import { retentionPass } from './pass.ts';
import { retentionSettingsFromEnv } from './settings.ts';

export const RETENTION_KEY = 'retention';

export interface RetentionState {
  passes: number;
  /** Uids whose records the last passes deleted completely. */
  collected: number;
}

export async function registerRetention(context: ControllerContext, now: () => Date = () => new Date()): Promise<Registration<RetentionState> | undefined> {
  const settings = retentionSettingsFromEnv(context.env);
  const log = context.log.child({ component: 'retention' });
  if (settings.intervalMs === 0) {
    log.info('Started no orphan collector: INETSWARM_RETENTION_INTERVAL_SECONDS is 0');
    return undefined;
  }
  const { watchNamespace } = context.config;
  const deps = {
    custom: context.kubeConfig.makeApiClient(CustomObjectsApi),
    databases: async () => (watchNamespace ? [context.stores.db(watchNamespace)] : context.stores.databases()),
    prefix: context.config.mongo.database,
    watchNamespace,
    settings,
    log,
    now,
  };
  const state: RetentionState = { passes: 0, collected: 0 };
  log.info({ intervalMs: settings.intervalMs, campaignGraceMs: settings.campaignGraceMs, buildGraceMs: settings.buildGraceMs }, 'Created orphan collector');
  return {
    informers: [],
    state,
    periodicKey: RETENTION_KEY,
    reconcile: async () => {
      try {
        state.collected += await retentionPass(deps);
      } finally {
        state.passes++;
      }
      return { requeueAfterMs: settings.intervalMs };
    },
  };
}

export const retentionController: ControllerModule<RetentionState> = { name: 'retention', register: (context) => registerRetention(context) };
