// Finding and reaching the user's cluster with their kubeconfig, as kubectl
// would (KUBECONFIG, else ~/.kube/config; --context; the context's namespace).
// The Kubernetes client is loaded lazily so `--local` and `--help` stay fast.
import type { KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { CliError } from '../errors.ts';

export interface ClusterTarget {
  context: string;
  server: string;
  namespace: string;
}

/** Where the kubeconfig is, or undefined when there is none (KUBECONFIG unset and no ~/.kube/config). */
export function kubeconfigPaths(env: NodeJS.ProcessEnv): string[] {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(path.delimiter).filter((p) => p !== '' && existsSync(p));
  const home = path.join(env.HOME ?? homedir(), '.kube', 'config');
  return existsSync(home) ? [home] : [];
}

/**
 * The kubeconfig as kubectl reads it (one file directly, several merged from KUBECONFIG), switched to
 * `context` when given; undefined when there is none. Does not check that the cluster answers.
 */
export async function loadKubeConfig(env: NodeJS.ProcessEnv, context?: string): Promise<KubeConfig | undefined> {
  const files = kubeconfigPaths(env);
  if (files.length === 0) return undefined;
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (files.length === 1) kc.loadFromFile(files[0] ?? '');
  else kc.loadFromDefault();
  if (context !== undefined) kc.setCurrentContext(context);
  return kc;
}

const noCluster =
  'Use --local to run the campaign on this machine, or --dry-run to print the objects that would be submitted.';

/**
 * Loads the kubeconfig and checks that the API server answers (GET /version, `timeoutMs`).
 * Throws CliError with what to do when there is no kubeconfig, no such context, or no answer.
 */
export async function connectCluster(options: {
  env: NodeJS.ProcessEnv;
  context?: string | undefined;
  namespace?: string | undefined;
  timeoutMs?: number;
}): Promise<ClusterTarget> {
  const files = kubeconfigPaths(options.env);
  if (files.length === 0) {
    throw new CliError(
      `No cluster configured: no kubeconfig found (KUBECONFIG is ${options.env.KUBECONFIG ? `'${options.env.KUBECONFIG}'` : 'unset'} and there is no ~/.kube/config). ` +
        `Point kubectl at your cluster first (aws eks update-kubeconfig --name <cluster>). ${noCluster}`,
    );
  }
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    if (files.length === 1) kc.loadFromFile(files[0] ?? '');
    else kc.loadFromDefault();
  } catch (err) {
    throw new CliError(`Could not read the kubeconfig ${files.join(', ')}: ${(err as Error).message}`, { cause: err });
  }
  if (options.context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === options.context)) {
      throw new CliError(
        `No context '${options.context}' in the kubeconfig (contexts: ${kc
          .getContexts()
          .map((c) => c.name)
          .join(', ') || 'none'}).`,
      );
    }
    kc.setCurrentContext(options.context);
  }
  const context = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (!context || cluster === null) {
    throw new CliError(`The kubeconfig ${files.join(', ')} has no current context. Choose one with --context. ${noCluster}`);
  }
  const namespace = options.namespace ?? kc.getContextObject(context)?.namespace ?? 'default';
  const api = kc.makeApiClient(k8s.VersionApi);
  const timeoutMs = options.timeoutMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      api.getCode(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    throw new CliError(
      `The cluster of context '${context}' (${cluster.server}) is not reachable: ${(err as Error).message}. ${noCluster}`,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
  return { context, server: cluster.server, namespace };
}
