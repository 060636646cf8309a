// Runs a builder Job's credential-holding container in this checkout as the
// kubelet would, beside its `build` sidecar: the launcher listening on a
// socket in the workspace (with no environment but PATH, as the sidecar has
// none), the builder given that socket. Host paths come from `env`.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import { containerCommand } from './pod-like.ts';
import { launcherBinary } from './runner-command.ts';
import { REPO_ROOT } from './campaign.ts';

export interface BuilderOutcome {
  code: number;
  output: string;
  terminationMessage: string;
}

/** Runs `container` with `env` (INETSWARM_TERMINATION_LOG inside `workspace`); resolves with its exit code, output and termination message. */
export async function runBuilderContainer(container: V1Container, env: Record<string, string>, workspace: string): Promise<BuilderOutcome> {
  const socket = join(workspace, 'launcher.sock');
  const launcher = spawn(await launcherBinary(), ['--listen', socket], { env: { PATH: process.env.PATH }, stdio: 'ignore' });
  const { command, args } = containerCommand(container);
  return new Promise<BuilderOutcome>((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...env, INETSWARM_LAUNCHER_SOCKET: socket }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      void readFile(env.INETSWARM_TERMINATION_LOG ?? join(workspace, 'termination-log'), 'utf8')
        .catch(() => '')
        .then((terminationMessage) => resolve({ code: code ?? -1, output, terminationMessage }));
    });
  }).finally(() => launcher.kill('SIGTERM'));
}
