// The real node's own cgroup, one per stack: the kubelet puts every pod under
// it (its cgroupRoot), so that two stacks' kubelets never see each other's
// pods as orphans to clean up, and stopping a stack can kill whatever still
// runs in it and remove it. Cgroup v1 hierarchies (this machine's) and the
// unified one alike: the directory is made in each mounted hierarchy.
import { readFile, readdir, rmdir, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const CGROUP_FS = '/sys/fs/cgroup';

async function hierarchies(): Promise<string[]> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  return mounts
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => (f[2] === 'cgroup' || f[2] === 'cgroup2') && f[1]?.startsWith(CGROUP_FS))
    .map((f) => f[1] ?? '');
}

/** Creates `/NAME` in every hierarchy; a new cpuset gets its parent's CPUs and memory nodes (it would have none). */
export async function createCgroup(name: string): Promise<string> {
  for (const root of await hierarchies()) {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    if (root.endsWith('/cpuset')) {
      for (const file of ['cpuset.cpus', 'cpuset.mems']) await writeFile(join(dir, file), await readFile(join(root, file), 'utf8'));
    }
  }
  return `/${name}`;
}

/** Every cgroup directory under `dir`, deepest first. */
async function subtree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const below = await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => subtree(join(dir, e.name))));
  return [...below.flat(), dir];
}

/**
 * SIGKILLs every process still in the cgroup (a container the runtime did not
 * stop) and removes its directories; returns how many processes it killed.
 */
export async function removeCgroup(name: string): Promise<number> {
  let killed = 0;
  const roots = await hierarchies();
  for (const root of roots) {
    for (const dir of await subtree(join(root, name))) {
      const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const pid of procs.split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
          killed++;
        } catch {
          // gone already
        }
      }
    }
  }
  for (let tries = 0; tries < 20; tries++) {
    let left = 0;
    for (const root of roots) {
      for (const dir of await subtree(join(root, name))) await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') left++;
        });
    }
    if (left === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return killed;
}
