// The images the real node needs before anything else, made without docker
// or a registry (none is reachable here) by image.sh and cached by a hash of
// their inputs: the pod sandbox's pause image and a busybox image for tests
// that need a shell. importImages puts any docker-archive or OCI tarball
// (these, or the ones `docker save` writes) into the node's containerd.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cachedBinary, inputsKey } from '../cache.ts';
import { ensureDebianPackages } from '../system-packages.ts';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const SCRIPT = join(HERE, 'image.sh');

/** The image the CRI plugin starts every pod sandbox from (its sandbox_image). */
export const PAUSE_IMAGE = 'inet-swarm.local/pause:1';
/** Debian's static busybox, one link per applet in /bin, PATH=/bin, no user of its own. */
export const BUSYBOX_IMAGE = 'inet-swarm.local/busybox:1';

/** The CRI namespace, where the kubelet's containerd looks for images. */
const K8S_NAMESPACE = 'k8s.io';

async function imageTarball(kind: 'pause' | 'busybox', name: string, inputs: string[], log?: (line: string) => void): Promise<string> {
  return cachedBinary({
    name: `image-${kind}`,
    key: await inputsKey([SCRIPT, ...inputs], [name]),
    command: (output) => ({ command: 'sh', args: [SCRIPT, kind, output, name], cwd: HERE }),
    onProgress: log,
  });
}

/** The cached tarball of PAUSE_IMAGE (gcc -static of pause.c). */
export async function pauseImageTarball(log?: (line: string) => void): Promise<string> {
  await ensureDebianPackages(['gcc', 'libc6-dev'], log);
  return imageTarball('pause', PAUSE_IMAGE, [join(HERE, 'pause.c')], log);
}

/** The cached tarball of BUSYBOX_IMAGE, keyed by Debian's busybox binary itself. */
export async function busyboxImageTarball(log?: (line: string) => void): Promise<string> {
  await ensureDebianPackages(['busybox-static'], log);
  return imageTarball('busybox', BUSYBOX_IMAGE, ['/bin/busybox'], log);
}

/** What importImages needs of a real node: StackInfo.realNode has it. */
export interface ImageTarget {
  containerdSocket: string;
}

/**
 * Imports image tarballs (docker-archive or OCI layout, e.g. from `docker
 * save`) into the node's containerd, where pods with imagePullPolicy Never
 * or IfNotPresent find them by the names the tarballs carry.
 */
export async function importImages(node: ImageTarget, tarballs: string[]): Promise<void> {
  for (const tarball of tarballs) {
    await run('ctr', ['--address', node.containerdSocket, '--namespace', K8S_NAMESPACE, 'images', 'import', tarball]).catch(
      (err: Error & { stderr?: string }) => {
        throw new Error(`ctr images import ${tarball} failed: ${err.stderr?.trim() ?? err.message}`);
      },
    );
  }
}
