// A private Docker daemon holding some of the stack's built images, for the
// image tests: the images come from buildImages' tarballs (built once, cached),
// the daemon from a temporary folder of its own, so that test files running
// at the same time never share one. Importing it does nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { buildImages, imageRef, type StackImage } from '../stack/images.ts';
import { DOCKER_CLI, checked, runCommand, startDockerd, type Dockerd, type DockerResult } from '../stack/docker/dockerd.ts';

export interface ImageDaemon {
  dockerd: Dockerd;
  /** The reference of each image loaded. */
  refs: Partial<Record<StackImage, string>>;
  /**
   * `docker run --rm` of `args` (options, image, command), with `env` given to
   * the CLI's own environment: pass `-e NAME` for each so that no value (a
   * password, a URI with credentials) appears on a command line.
   */
  run(args: string[], env?: Record<string, string>): Promise<DockerResult>;
  stop(): Promise<void>;
}

/** Starts a daemon and loads the named images into it (building them first when the cache lacks them). */
export async function startImageDaemon(names: StackImage[]): Promise<ImageDaemon> {
  const images = await buildImages((line) => process.stderr.write(`${line}\n`));
  // Short: containerd's socket path under it must fit in 108 bytes.
  const dir = await mkdtemp('/tmp/isd-');
  const dockerd = await startDockerd({ dir });
  const stop = async (): Promise<void> => {
    await dockerd.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const refs: Partial<Record<StackImage, string>> = {};
    for (const name of names) {
      const ref = imageRef(images, name);
      const args = ['load', '--quiet', '--input', images[ref] ?? ''];
      await checked(`docker load ${name}`, dockerd.docker(args), args);
      refs[name] = ref;
    }
    const run: ImageDaemon['run'] = (args, env = {}) => runCommand(DOCKER_CLI, ['run', '--rm', ...args], { env: { ...dockerd.env, ...env } });
    return { dockerd, refs, run, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
