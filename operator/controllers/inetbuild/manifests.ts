// The children of an InetBuild as plain manifests: the namespace's distcc
// DaemonSet and headless Service, the Secret with the MongoDB URI, the
// builder pods' ServiceAccount, and the builder Job. Pure functions of the
// build and the operator's settings. A builder pod has two containers that
// share no process namespace: `builder` (clone, store: the MongoDB URI and the
// git credentials) and `build` (the launcher that runs the user's build
// commands, with neither); they share the workspace and the launcher's socket.
import { API_VERSION, INET_BUILD } from '../../../api/v1alpha1.ts';
import { BUILD_LABEL, MANAGED_BY, MANAGED_BY_LABEL, managedLabels } from '../../../api/labels.ts';
import {
  controllerReference,
  placed,
  restrictedSecurityContext,
  RUNNER_POOL_SELECTOR,
  RUNNER_POOL_TOLERATION,
  type Manifest,
  type PodPlacement,
} from '../../../lib/kube/manifests.ts';
import { durationSeconds } from '../../../lib/time.ts';
import type { InetBuild } from '../../../api/v1alpha1.ts';
import { tenantDatabase } from '../../../lib/store/tenant.ts';

export const DISTCC_NAME = 'inet-swarm-distcc';
export const DISTCC_PORT = 3632;
/** Where the builder reads clone credentials from, when the build names a Secret. */
export const CREDENTIALS_DIR = '/var/run/inet-swarm/git-credentials';
export const WORKSPACE_DIR = '/workspace';
/** The builder's copies of the clone credentials (askpass, key): a volume of the builder container only, over the shared workspace. */
export const PRIVATE_CREDENTIALS_DIR = `${WORKSPACE_DIR}/.credentials`;
export const LAUNCHER_SOCKET_DIR = '/var/run/inet-swarm/launcher';
export const LAUNCHER_SOCKET = `${LAUNCHER_SOCKET_DIR}/launcher.sock`;
/** Where the builder image has the launcher (images/Dockerfile.builder-base). */
export const LAUNCHER_BINARY = '/usr/local/bin/inet-swarm-launcher';
/** What the builder program itself needs: git, the packing and the upload (the compilers run in the `build` container, which has the build's cores). */
const BUILDER_RESOURCES = { requests: { memory: '256Mi' }, limits: { memory: '1Gi' } };
/** Size cap of a container's termination message (the kubelet's limit is 4096 bytes). */
export const TERMINATION_MESSAGE_LIMIT = 4096;
/** The key of the builder Secret that holds the namespace's store login as a URI. */
export const BUILDER_SECRET_KEY = 'uri';

/** Operator settings the manifests depend on. */
export interface BuildSettings {
  /** Builder image for an OMNeT++ version: `{version}` is replaced. */
  builderImageTemplate: string;
  distccImage: string;
  /** Secret (created by the operator in each build namespace) holding the namespace's store login as a URI under key `uri`. */
  mongoSecretName: string;
  /** MongoDB as builder pods reach it: its hosts and options; its credentials are replaced by the namespace's. */
  mongoUri: string;
  /** Prefix of the namespaces' databases (lib/store/tenant.ts). */
  mongoDatabase: string;
  /** Working directory of the builder inside the builder image, and its program: the container's args, so that the image's init process (tini) stays PID 1. */
  builderWorkingDir: string;
  builderArgs: string[];
  /** Extra node labels and tolerations of builder and distccd pods. */
  placement: PodPlacement;
  /** UID the builder and distccd containers run as. */
  runAsUser: number;
  /** ServiceAccount of builder and distccd pods (created by the operator in each build namespace; no API access). */
  serviceAccountName: string;
}

export function builderJobName(build: InetBuild): string {
  return `${build.metadata.name ?? ''}-build`;
}

export function builderImage(build: InetBuild, settings: BuildSettings): string {
  return build.spec.omnetpp?.builderImage ?? settings.builderImageTemplate.replaceAll('{version}', build.spec.omnetpp?.version ?? '6.1');
}

/** The namespace's distccd daemons: one per node, including the tainted runner nodes where the cores are. */
export function distccDaemonSet(namespace: string, settings: BuildSettings): Manifest {
  const labels = { 'app.kubernetes.io/name': DISTCC_NAME, ...managedLabels('distccd') };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: DISTCC_NAME, namespace, labels },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': DISTCC_NAME } },
      template: {
        metadata: { labels },
        spec: {
          ...placed({ tolerations: [RUNNER_POOL_TOLERATION] }, settings.placement),
          serviceAccountName: settings.serviceAccountName,
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'distccd',
              image: settings.distccImage,
              args: ['--daemon', '--no-detach', '--log-stderr', '--port', String(DISTCC_PORT), '--allow', '0.0.0.0/0'],
              ports: [{ name: 'distcc', containerPort: DISTCC_PORT, protocol: 'TCP' }],
              readinessProbe: { tcpSocket: { port: DISTCC_PORT }, periodSeconds: 10 },
              resources: { requests: { cpu: '100m', memory: '128Mi' } },
              securityContext: restrictedSecurityContext(settings.runAsUser),
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

/** Headless, so its DNS name resolves to every ready distccd pod: the builder needs no fixed IPs. */
export function distccService(namespace: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: DISTCC_NAME, namespace, labels: managedLabels('distccd') },
    spec: {
      clusterIP: 'None',
      selector: { 'app.kubernetes.io/name': DISTCC_NAME },
      ports: [{ name: 'distcc', port: DISTCC_PORT, targetPort: DISTCC_PORT, protocol: 'TCP' }],
    },
  };
}

/** The namespace's store login (`uri`, tenantUri) for builder pods, so that it is never in a pod spec or a custom resource. */
export function mongoSecret(namespace: string, settings: BuildSettings, uri: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: settings.mongoSecretName, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
    type: 'Opaque',
    stringData: { [BUILDER_SECRET_KEY]: uri },
  };
}

/** Owner reference that makes the build the controller of a child (garbage-collected with it). */
export function ownerReference(build: InetBuild) {
  return controllerReference(build, { apiVersion: API_VERSION, kind: INET_BUILD.kind });
}

type EnvVar = { name: string; value?: string; valueFrom?: unknown };
type VolumeMount = { name: string; mountPath: string; readOnly?: boolean };

/** What the builder program reads: the build to make and where to put it (the store's URI only by Secret). */
function builderEnv(build: InetBuild, settings: BuildSettings): EnvVar[] {
  const { name = '', namespace = '', uid = '' } = build.metadata;
  const spec = build.spec;
  return [
    { name: 'INETSWARM_BUILD_NAME', value: name },
    { name: 'INETSWARM_BUILD_NAMESPACE', value: namespace },
    { name: 'INETSWARM_BUILD_UID', value: uid },
    { name: 'INETSWARM_GIT_REPOSITORY', value: spec.source.repository },
    { name: 'INETSWARM_GIT_REVISION', value: spec.source.revision },
    { name: 'INETSWARM_GIT_SUBMODULES', value: String(spec.source.submodules ?? true) },
    { name: 'INETSWARM_BUILD_MODE', value: spec.mode ?? 'release' },
    { name: 'INETSWARM_BUILD_COMMANDS', value: JSON.stringify(spec.commands ?? ['make makefiles', 'make MODE=$MODE -j$JOBS']) },
    { name: 'INETSWARM_DISTCC_ENABLED', value: String(spec.distcc?.enabled ?? true) },
    { name: 'INETSWARM_DISTCC_SERVICE', value: `${DISTCC_NAME}.${namespace}.svc` },
    { name: 'INETSWARM_DISTCC_PORT', value: String(DISTCC_PORT) },
    { name: 'INETSWARM_DISTCC_JOBS', value: spec.distcc?.jobs ? String(spec.distcc.jobs) : '' },
    { name: 'INETSWARM_ARTIFACT_EXCLUDE', value: JSON.stringify(spec.artifact?.exclude ?? ['.git', 'out/', '*.o']) },
    { name: 'INETSWARM_MONGO_URI', valueFrom: { secretKeyRef: { name: settings.mongoSecretName, key: BUILDER_SECRET_KEY } } },
    { name: 'INETSWARM_MONGO_DATABASE', value: tenantDatabase(settings.mongoDatabase, namespace) },
    { name: 'INETSWARM_WORKSPACE', value: WORKSPACE_DIR },
    { name: 'INETSWARM_LAUNCHER_SOCKET', value: LAUNCHER_SOCKET },
    { name: 'HOME', value: `${WORKSPACE_DIR}/home` },
  ];
}

/** The folders both containers share. */
const SHARED_MOUNTS: VolumeMount[] = [
  { name: 'workspace', mountPath: WORKSPACE_DIR },
  { name: 'launcher', mountPath: LAUNCHER_SOCKET_DIR },
];

/** The builder's writable folders, and the clone credentials (read-only) when the build names a Secret. */
function builderStorage(build: InetBuild): { env: EnvVar[]; volumeMounts: VolumeMount[]; volumes: unknown[] } {
  const volumeMounts: VolumeMount[] = [...SHARED_MOUNTS, { name: 'tmp', mountPath: '/tmp' }, { name: 'credentials', mountPath: PRIVATE_CREDENTIALS_DIR }];
  const volumes: unknown[] = ['workspace', 'launcher', 'tmp', 'credentials', 'build-tmp'].map((name) => ({ name, emptyDir: {} }));
  const credentials = build.spec.source.credentialsSecretRef?.name;
  if (!credentials) return { env: [], volumeMounts, volumes };
  return {
    env: [{ name: 'INETSWARM_GIT_CREDENTIALS_DIR', value: CREDENTIALS_DIR }],
    volumeMounts: [...volumeMounts, { name: 'git-credentials', mountPath: CREDENTIALS_DIR, readOnly: true }],
    volumes: [...volumes, { name: 'git-credentials', secret: { secretName: credentials, defaultMode: 0o440 } }],
  };
}

/** The `build` container: a sidecar (so that the pod ends with the builder) with the build's resources, where the commands run. */
function buildContainer(build: InetBuild, settings: BuildSettings) {
  const cpu = String(build.spec.builder?.cpu ?? '2');
  const memory = String(build.spec.builder?.memory ?? '4Gi');
  return {
    name: 'build',
    image: builderImage(build, settings),
    restartPolicy: 'Always',
    // args, not command: the image's entrypoint, tini, stays PID 1 and forwards the kubelet's SIGTERM.
    args: [LAUNCHER_BINARY, '--listen', LAUNCHER_SOCKET],
    resources: { requests: { cpu, memory }, limits: { memory } },
    securityContext: restrictedSecurityContext(settings.runAsUser),
    volumeMounts: [...SHARED_MOUNTS, { name: 'build-tmp', mountPath: '/tmp' }],
  };
}

/** The builder container: a restricted security context, its result as termination message. */
function builderContainer(build: InetBuild, settings: BuildSettings, storage: ReturnType<typeof builderStorage>) {
  return {
    name: 'builder',
    image: builderImage(build, settings),
    workingDir: settings.builderWorkingDir,
    // args, not command: a command would replace the image's entrypoint, tini, which reaps and forwards signals.
    args: settings.builderArgs,
    env: [...builderEnv(build, settings), ...storage.env],
    resources: BUILDER_RESOURCES,
    securityContext: restrictedSecurityContext(settings.runAsUser),
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    volumeMounts: storage.volumeMounts,
  };
}

/** The builder Job: one pod, no retries (a failed build fails the same way again), bounded by the build timeout. */
export function builderJob(build: InetBuild, settings: BuildSettings): Manifest {
  const labels = { ...managedLabels('builder'), [BUILD_LABEL]: build.metadata.name ?? '' };
  const storage = builderStorage(build);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: builderJobName(build), namespace: build.metadata.namespace ?? '', labels, ownerReferences: [ownerReference(build)] },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: durationSeconds(build.spec.builder?.timeout, 7200),
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: settings.serviceAccountName,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // On the runner pool, as the runners: the capacity manager starts runner nodes for a build's cores
          // (lib/capacity/demand.ts), so the builder must be able to use them. Not counting builds there instead
          // would leave a build's cores to a small system node, and a runner node is as idle, and as removable,
          // as its pods say only if the builder that asked for it runs on it.
          ...placed({ nodeSelector: RUNNER_POOL_SELECTOR, tolerations: [RUNNER_POOL_TOLERATION] }, settings.placement),
          // Said outright: the build commands must not see the builder's processes (and their environment).
          shareProcessNamespace: false,
          securityContext: { runAsNonRoot: true, runAsUser: settings.runAsUser, fsGroup: settings.runAsUser },
          initContainers: [buildContainer(build, settings)],
          containers: [builderContainer(build, settings, storage)],
          volumes: storage.volumes,
        },
      },
    },
  };
}
