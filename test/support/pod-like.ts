// Runs a pod template's container in this checkout as the kubelet would run
// it: the same command and environment, Secret references resolved through
// the API and the pod name from the downward API. Only host paths differ,
// which each test sets on top of the environment.
import { join } from 'node:path';
import type { CoreV1Api, V1Container } from '@kubernetes/client-node';

const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** The container's environment with `PATH` from this host. */
export async function containerEnv(core: CoreV1Api, namespace: string, container: V1Container, pod: string): Promise<Record<string, string>> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const variable of container.env ?? []) {
    const secretRef = variable.valueFrom?.secretKeyRef;
    if (secretRef) {
      const secret = await core.readNamespacedSecret({ name: secretRef.name ?? '', namespace });
      env[variable.name] = Buffer.from(secret.data?.[secretRef.key] ?? '', 'base64').toString('utf8');
    } else if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.name') {
      env[variable.name] = pod;
    } else {
      env[variable.name] = variable.value ?? '';
    }
  }
  return env;
}

/**
 * The container's command and arguments as they run here, without the
 * image's entrypoint (tini, which pods keep by giving args only): the images run
 * tsc's output (`node pods/runner/main.js`, or an operator/ entry), this checkout has its
 * source, run through tsx. Any other command stays as it is.
 */
export function containerCommand(container: V1Container): { command: string; args: string[] } {
  const [node, entry, ...rest] = [...(container.command ?? []), ...(container.args ?? [])];
  if (node === 'node' && (entry?.startsWith('operator/') || entry?.startsWith('pods/')) && entry.endsWith('.js')) {
    return { command: process.execPath, args: ['--import', 'tsx', join(REPO_ROOT, entry.replace(/\.js$/, '.ts')), ...rest] };
  }
  return { command: node ?? '', args: entry === undefined ? [] : [entry, ...rest] };
}
