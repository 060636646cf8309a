// containerd for the real node, as a plain process of the stack (no system
// service): its root, state, socket and CNI configuration live under the
// node's directory. The CRI plugin's settings are those this machine needs
// (see renderContainerdConfig).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ManagedProcess } from '../process.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ContainerdPaths {
  root: string;
  state: string;
  socket: string;
  cniConfDir: string;
  opt: string;
}

/** Where containerd keeps everything, under `dir`; the socket path stays well under the 108 bytes a unix socket allows. */
export function containerdPaths(dir: string): ContainerdPaths {
  return {
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    socket: join(dir, 'containerd.sock'),
    cniConfDir: join(dir, 'net.d'),
    opt: join(dir, 'opt'),
  };
}

/**
 * containerd's config (version 2). What the CRI plugin needs here:
 * - restrict_oom_score_adj: root on this machine has no CAP_SYS_RESOURCE, and
 *   runc fails every sandbox when asked to lower an OOM score;
 * - bin_dir /usr/lib/cni, where Debian puts the CNI plugins;
 * - sandbox_image: the local pause image (no registry is reachable);
 * - netns_mounts_under_state_dir: pods' network namespaces under our state,
 *   not /var/run/netns;
 * - cgroupfs (SystemdCgroup false), as the kubelet: no systemd runs here.
 */
export function renderContainerdConfig(paths: ContainerdPaths, sandboxImage: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const q = JSON.stringify;
  return [
    'version = 2',
    `root = ${q(paths.root)}`,
    `state = ${q(paths.state)}`,
    'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]',
    '[grpc]',
    `  address = ${q(paths.socket)}`,
    '[ttrpc]',
    `  address = ${q(`${paths.socket}.ttrpc`)}`,
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(paths.opt)}`,
    `[${cri}]`,
    `  sandbox_image = ${q(sandboxImage)}`,
    '  restrict_oom_score_adj = true',
    '  netns_mounts_under_state_dir = true',
    '  disable_apparmor = true',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    `[${cri}.cni]`,
    '  bin_dir = "/usr/lib/cni"',
    `  conf_dir = ${q(paths.cniConfDir)}`,
    '  max_conf_num = 1',
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${cri}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = false',
    '',
  ].join('\n');
}

export interface Containerd {
  paths: ContainerdPaths;
  logFile: string;
  stop(): Promise<void>;
}

/** Writes the config and the CNI network list, starts containerd and waits until its API answers. */
export async function startContainerd(dir: string, sandboxImage: string, cniConfList: Record<string, unknown>): Promise<Containerd> {
  const paths = containerdPaths(dir);
  await mkdir(paths.cniConfDir, { recursive: true });
  await writeFile(join(paths.cniConfDir, '10-inet-swarm.conflist'), `${JSON.stringify(cniConfList, null, 2)}\n`);
  const config = join(dir, 'containerd.toml');
  await writeFile(config, renderContainerdConfig(paths, sandboxImage));
  const logFile = join(dir, 'containerd.log');
  const proc = ManagedProcess.start({ name: 'containerd', command: 'containerd', args: ['--config', config, '--log-level', 'warn'], logFile, cwd: dir });
  try {
    await proc.waitReady(async () => {
      await run('ctr', ['--address', paths.socket, 'version'], { timeout: 5_000 });
      return true;
    }, 30_000);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { paths, logFile, stop: () => proc.stop(10_000) };
}
