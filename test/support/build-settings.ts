// The InetBuild controller's settings as the unit tests of its decision and
// manifests use them: the operator's defaults where they matter, fixed images.
import { NO_PLACEMENT } from '../../lib/kube/manifests.ts';
import type { BuildSettings } from '../../operator/controllers/inetbuild/manifests.ts';

export function buildSettings(overrides: Partial<BuildSettings> = {}): BuildSettings {
  return {
    builderImageTemplate: 'ghcr.io/inet-swarm/builder:omnetpp-{version}',
    distccImage: 'ghcr.io/inet-swarm/distccd:1',
    mongoSecretName: 'inet-swarm-mongodb',
    mongoUri: 'mongodb://db:27017',
    mongoDatabase: 'inetswarm',
    builderWorkingDir: '/app',
    builderArgs: ['node', 'pods/builder/main.js'],
    placement: NO_PLACEMENT,
    runAsUser: 1000,
    serviceAccountName: 'inet-swarm-builder',
    ...overrides,
  };
}
