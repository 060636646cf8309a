// The children of a SimulationCampaign as plain manifests: the namespace's
// runner Secret (queue and store credentials) and ServiceAccount, and the runner Job in the
// Kubernetes work-queue pattern. Pure functions of the campaign, its build and
// the operator's settings. A runner pod has two containers that share no
// process namespace: `simulation` (the launcher, which runs the user's
// simulations, with no credential in its environment or on its volumes) and
// `runner` (the queue and the store); they share only the launcher's socket,
// the result folders and the artifact cache (read-only for the simulations).
import { posix } from 'node:path';
import { API_VERSION, CAMPAIGN_SPEC_DEFAULTS, SIMULATION_CAMPAIGN, type InetBuild, type SimulationCampaign } from '../../../api/v1alpha1.ts';
import { CAMPAIGN_LABEL, managedLabels } from '../../../api/labels.ts';
import { controllerReference, placed, restrictedSecurityContext, RUNNER_POOL_SELECTOR, RUNNER_POOL_TOLERATION, type Manifest } from '../../../lib/kube/manifests.ts';
import { durationSeconds } from '../../../lib/time.ts';
import type { AttemptPolicy } from '../../../lib/queue/task.ts';
import { DEFAULT_RESULT_LIMITS, runnerEnv, type RunnerConfig } from '../../../lib/engine/runner-config.ts';
import { quantityBytes } from '../../../lib/kube/quantity.ts';
import type { SimulationSpec } from '../../../lib/engine/command.ts';
import { tenantDatabase } from '../../../lib/store/tenant.ts';
import type { CampaignSettings } from './settings.ts';

/** Keys of the runner Secret. */
export const SECRET_KEYS = { natsCreds: 'nats-creds', mongoUri: 'mongodb-uri' } as const;
export const ARTIFACT_CACHE_DIR = '/var/cache/inet-swarm/artifacts';
/** Result folders: written by the simulations, read by the runner (a volume of both containers). */
export const RUNNER_WORK_DIR = '/var/lib/inet-swarm/work';
/** The launcher's socket, in a folder only the two containers of the pod mount. */
export const LAUNCHER_SOCKET_DIR = '/var/run/inet-swarm/launcher';
export const LAUNCHER_SOCKET = `${LAUNCHER_SOCKET_DIR}/launcher.sock`;
/** Where the runner image has the launcher (images/Dockerfile.runner-base). */
export const LAUNCHER_BINARY = '/usr/local/bin/inet-swarm-launcher';
/**
 * What the runner process itself needs: Node, the clients, the upload of
 * results. No CPU request: it works while the simulation waits, and so a pod
 * still asks for exactly the campaign's cores (one pod per core).
 */
const RUNNER_RESOURCES = { requests: { memory: '128Mi' }, limits: { memory: '512Mi' } };
/** The runner's own SIGTERM grace (shutdown plus kill grace, config.ts defaults) and a margin. */
const TERMINATION_GRACE_SECONDS = 40;

export function runnerJobName(campaign: SimulationCampaign): string {
  return `${campaign.metadata.name ?? ''}-runners`;
}

export function runnerImage(build: InetBuild, settings: CampaignSettings): string {
  return build.spec.omnetpp?.runnerImage ?? settings.runnerImageTemplate.replaceAll('{version}', build.spec.omnetpp?.version ?? '6.1');
}

/**
 * The credentials runner pods read through secretKeyRef, so that they are in no pod spec and no custom resource:
 * `mongoUri` is the namespace's own store login (lib/store/tenant.ts tenantUri), `natsCreds` the namespace's own
 * NATS user (lib/queue/identity.ts), minted by the caller.
 */
export function runnerSecret(namespace: string, settings: CampaignSettings, mongoUri: string, natsCreds?: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: settings.runnerSecretName, namespace, labels: managedLabels('runner') },
    type: 'Opaque',
    stringData: {
      [SECRET_KEYS.mongoUri]: mongoUri,
      ...(natsCreds ? { [SECRET_KEYS.natsCreds]: natsCreds } : {}),
    },
  };
}

/** Owner reference that makes the campaign the controller of its runner Job (garbage-collected with it). */
export function campaignOwnerReference(campaign: SimulationCampaign) {
  return controllerReference(campaign, { apiVersion: API_VERSION, kind: SIMULATION_CAMPAIGN.kind });
}

// The CRD documents executable, nedPath and libraries relative to workingDir;
// the runner resolves them against the artifact root. A bare command name
// (opp_run) stays a PATH lookup.
function fromWorkingDir(workingDir: string, path: string): string {
  if (posix.isAbsolute(path)) return path;
  return posix.normalize(posix.join(workingDir, path));
}

function executablePath(workingDir: string, executable: string): string {
  if (!executable.includes('/')) return executable;
  const joined = fromWorkingDir(workingDir, executable);
  return joined.includes('/') ? joined : `./${joined}`;
}

/** The runner's view of the campaign's simulation spec. */
export function simulationOf(campaign: SimulationCampaign): SimulationSpec {
  const spec = campaign.spec;
  const workingDir = spec.workingDir ?? '.';
  const sim = spec.simulation ?? {};
  return {
    executable: executablePath(workingDir, sim.executable ?? 'opp_run'),
    workingDir,
    iniFiles: spec.iniFiles ?? ['omnetpp.ini'],
    config: spec.config,
    ...(spec.runFilter ? { runFilter: spec.runFilter } : {}),
    ...(sim.nedPath?.length ? { nedPath: sim.nedPath.map((p) => fromWorkingDir(workingDir, p)) } : {}),
    ...(sim.nedExclusions?.length ? { nedExcludes: sim.nedExclusions } : {}),
    ...(sim.libraries?.length ? { libraries: sim.libraries.map((p) => fromWorkingDir(workingDir, p)) } : {}),
    ...(sim.extraArgs?.length ? { extraArgs: sim.extraArgs } : {}),
  };
}

/** Attempt policy of every task of the campaign. */
export function attemptPolicy(campaign: SimulationCampaign): AttemptPolicy {
  const execution = campaign.spec.execution ?? {};
  return {
    maxAttempts: execution.maxAttempts ?? 3,
    retrySimulationErrors: execution.retrySimulationErrors ?? false,
    runTimeoutMs: durationSeconds(execution.runTimeout, 3600) * 1000,
  };
}

/** The runner configuration a pod of this campaign gets (credentials are replaced by Secret references). */
export function runnerConfig(campaign: SimulationCampaign, build: InetBuild, settings: CampaignSettings): RunnerConfig {
  const results = campaign.spec.results ?? {};
  const namespace = campaign.metadata.namespace ?? '';
  return {
    namespace,
    campaign: campaign.metadata.name ?? '',
    campaignUid: campaign.metadata.uid ?? '',
    podName: '',
    // The creds are the Secret's: a placeholder here, replaced by a secretKeyRef in the pod's env.
    nats: { url: settings.runnerNatsUrl, ...(settings.nats?.signer ? { creds: SECRET_KEYS.natsCreds } : {}) },
    mongo: { uri: settings.runnerMongoUri, database: tenantDatabase(settings.mongoDatabase, namespace) },
    queuePrefix: settings.queuePrefix,
    ackWaitMs: settings.ackWaitMs,
    heartbeatMs: Math.max(1000, Math.floor(settings.ackWaitMs / 4)),
    ...(settings.planMaxRuns !== undefined ? { planMaxRuns: settings.planMaxRuns } : {}),
    artifact: { digest: build.status?.artifact?.digest ?? '', cacheDir: ARTIFACT_CACHE_DIR },
    workDir: RUNNER_WORK_DIR,
    simulation: simulationOf(campaign),
    results: {
      include: results.include ?? [...CAMPAIGN_SPEC_DEFAULTS.results.include],
      storeScalars: results.storeScalars ?? CAMPAIGN_SPEC_DEFAULTS.results.storeScalars,
      maxFiles: results.maxFiles ?? CAMPAIGN_SPEC_DEFAULTS.results.maxFiles,
      // The CRD admits only quantities of 1Mi to 1Ti.
      maxBytes: quantityBytes(results.maxSize ?? CAMPAIGN_SPEC_DEFAULTS.results.maxSize) ?? DEFAULT_RESULT_LIMITS.maxBytes,
    },
    drainGraceMs: 10_000,
    shutdownGraceMs: 20_000,
    killGraceMs: 5_000,
    connectTimeoutMs: 60_000,
    launcherSocket: LAUNCHER_SOCKET,
  };
}

type EnvVar = { name: string; value?: string; valueFrom?: unknown };

/** runnerEnv() with the pod name from the downward API and the credentials from the runner Secret. */
export function runnerPodEnv(config: RunnerConfig, settings: CampaignSettings): EnvVar[] {
  const secretKey: Record<string, string> = { INETSWARM_NATS_CREDS: SECRET_KEYS.natsCreds, INETSWARM_MONGO_URI: SECRET_KEYS.mongoUri };
  return Object.entries(runnerEnv(config)).map(([name, value]): EnvVar => {
    if (name === 'INETSWARM_POD_NAME') return { name, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };
    const key = secretKey[name];
    if (key) return { name, valueFrom: { secretKeyRef: { name: settings.runnerSecretName, key } } };
    return { name, value };
  });
}

/**
 * The two containers of a runner pod. `simulation` is a sidecar (an init
 * container that keeps running), so that the pod completes when the runner
 * exits; it has the campaign's resources, since the simulations run there.
 */
function runnerContainers(campaign: SimulationCampaign, build: InetBuild, settings: CampaignSettings) {
  const execution = campaign.spec.execution ?? {};
  const memory = String(execution.memory ?? '1Gi');
  const image = runnerImage(build, settings);
  const securityContext = restrictedSecurityContext(settings.runAsUser);
  const shared = [
    { name: 'launcher', mountPath: LAUNCHER_SOCKET_DIR },
    { name: 'work', mountPath: RUNNER_WORK_DIR },
  ];
  const simulation = {
    name: 'simulation',
    image,
    restartPolicy: 'Always',
    // args, not command: the image's entrypoint, tini, stays PID 1 and forwards the kubelet's SIGTERM.
    args: [LAUNCHER_BINARY, '--listen', LAUNCHER_SOCKET],
    resources: { requests: { cpu: String(execution.cpu ?? '1'), memory }, limits: { memory } },
    securityContext,
    volumeMounts: [...shared, { name: 'artifact-cache', mountPath: ARTIFACT_CACHE_DIR, readOnly: true }, { name: 'simulation-tmp', mountPath: '/tmp' }],
  };
  const runner = {
    name: 'runner',
    image,
    workingDir: settings.runnerWorkingDir,
    args: settings.runnerArgs,
    env: runnerPodEnv(runnerConfig(campaign, build, settings), settings),
    resources: RUNNER_RESOURCES,
    // A runner that exits at start (a bad setting) leaves its last log lines as its termination message, which the
    // campaign's RunnerCrashLoopBackOff condition quotes; the runner logs no credential.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    securityContext,
    volumeMounts: [...shared, { name: 'artifact-cache', mountPath: ARTIFACT_CACHE_DIR }, { name: 'tmp', mountPath: '/tmp' }],
  };
  return { initContainers: [simulation], containers: [runner] };
}

/**
 * The runner Job: the work-queue pattern (completions unset, so the Job is
 * complete once a pod exits 0 after the queue drained), one pod per core,
 * on the runner pool only, non-root with a read-only root filesystem.
 */
export function runnerJob(campaign: SimulationCampaign, build: InetBuild, settings: CampaignSettings, parallelism: number): Manifest {
  const namespace = campaign.metadata.namespace ?? '';
  const name = campaign.metadata.name ?? '';
  const labels = { ...managedLabels('runner'), [CAMPAIGN_LABEL]: name };
  const user = settings.runAsUser;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: runnerJobName(campaign), namespace, labels, ownerReferences: [campaignOwnerReference(campaign)] },
    spec: {
      parallelism,
      // Runner pods exit 1 only when they cannot start (store, queue or artifact unreachable); allow many restarts.
      backoffLimit: 100,
      template: {
        metadata: { labels },
        spec: {
          // OnFailure restarts the container in place, so the artifact cache in its emptyDir survives.
          restartPolicy: 'OnFailure',
          serviceAccountName: settings.runnerServiceAccount,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // Said outright: the simulations must not see the runner's processes (and their environment).
          shareProcessNamespace: false,
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          ...placed({ nodeSelector: RUNNER_POOL_SELECTOR, tolerations: [RUNNER_POOL_TOLERATION] }, settings.runnerPlacement),
          securityContext: { runAsNonRoot: true, runAsUser: user, runAsGroup: user, fsGroup: user, seccompProfile: { type: 'RuntimeDefault' } },
          ...runnerContainers(campaign, build, settings),
          volumes: ['launcher', 'work', 'artifact-cache', 'tmp', 'simulation-tmp'].map((volume) => ({ name: volume, emptyDir: {} })),
        },
      },
    },
  };
}
