// The InetBuild controller as the runtime registers it: informers over builds
// and their builder Jobs and pods, a reconcile of observe -> decideBuild ->
// act, the state that reconcile keeps, and the builds-by-phase gauge read
// from the informer cache when scraped.
import { INET_BUILD_PHASES, type InetBuild } from '../../../api/v1alpha1.ts';
import { objectController, type ControllerContext, type ControllerModule, type Registration } from '../../runtime/registration.ts';
import type { OperatorMetrics } from '../../runtime/metrics.ts';
import { namespaceGuard } from '../shared/tenancy.ts';
import { actOnBuild, buildClients } from './act.ts';
import { decideBuild } from './decide.ts';
import { buildInformers, observeBuild, type BuildControllerState } from './observe.ts';

/** Registers the InetBuild controller (always on). */
export async function registerInetBuild(context: ControllerContext, now: () => Date = () => new Date()): Promise<Registration<BuildControllerState>> {
  const { kubeConfig, config, log, metrics } = context;
  const informers = buildInformers(kubeConfig, context.enqueue, log, config.watchNamespace);
  const observeDeps = { informers, stores: context.stores, settings: config.build, now };
  const clients = buildClients(kubeConfig);
  const actDeps = { clients, log, identity: config.leaderElection.identity, namespaces: namespaceGuard(clients.objects, config.network) };
  const state: BuildControllerState = { written: new Map(), checked: new Map() };
  metrics.refreshOnScrape(metrics.builds, () => {
    if (informers.builds.hasSynced) countBuildPhases(metrics, informers.builds.list());
  });
  return objectController(informers, state, {
    observe: (key) => observeBuild(key, observeDeps, state),
    decide: decideBuild,
    act: (observed, decision) => actOnBuild(observed, decision, actDeps, state),
  });
}

export const inetBuildController: ControllerModule<BuildControllerState> = { name: 'inetbuild', register: (context) => registerInetBuild(context) };

/** Sets the builds-by-phase gauge (cheap: builds are few). */
function countBuildPhases(metrics: OperatorMetrics, builds: readonly InetBuild[]): void {
  const counts = new Map<string, number>(INET_BUILD_PHASES.map((phase) => [phase, 0]));
  for (const build of builds) {
    const phase = build.status?.phase ?? 'Pending';
    counts.set(phase, (counts.get(phase) ?? 0) + 1);
  }
  for (const [phase, count] of counts) metrics.builds.labels(phase).set(count);
}
