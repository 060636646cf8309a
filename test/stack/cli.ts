// The local stack as a command: `up` starts it and keeps it running until
// SIGINT/SIGTERM, writing its endpoints to a state file for the tests
// (INETSWARM_STACK); `build` only fills the binary cache; `images` builds the
// container images (test/stack/images.ts) and lists their tarballs.
import { rm, writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { buildImages } from './images.ts';
import { prepareAll, startStack, type RunningStack } from './stack.ts';

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

interface UpOptions {
  state?: string;
  dir?: string;
  runnerNodes: number;
  realNode?: boolean;
  exitWithParent?: boolean;
}

async function up(options: UpOptions): Promise<void> {
  // A parent that went away closes our pipes; writing to them must not crash
  // the cleanup.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});

  let stack: RunningStack | undefined;
  let stopRequested: string | undefined;
  let stopping: Promise<void> | undefined;
  const stopAndExit = (): void => {
    stopping ??= (async () => {
      log(`Stopping stack reason=${stopRequested}`);
      await stack?.stop();
      if (options.state) await rm(options.state, { force: true });
      log('Stopped stack');
      process.exit(0);
    })();
  };
  const requestStop = (why: string): void => {
    if (stopRequested) {
      if (why === 'parent exited') return;
      log(`Received ${why} again; exiting without stopping the servers`);
      process.exit(130);
    }
    stopRequested = why;
    // While starting there is nothing to stop yet: startStack either fails
    // (and cleans up) or returns, and then the stop happens.
    if (stack) stopAndExit();
    else log(`Received ${why} while starting; will stop once started (send it again to abort)`);
  };
  process.on('SIGINT', () => requestStop('SIGINT'));
  process.on('SIGTERM', () => requestStop('SIGTERM'));
  if (options.exitWithParent) {
    process.stdin.on('error', () => {});
    process.stdin.on('close', () => requestStop('parent exited'));
    process.stdin.resume();
  }

  const t0 = Date.now();
  try {
    stack = await startStack({ dir: options.dir, runnerNodes: options.runnerNodes, realNode: options.realNode, log });
  } catch (err) {
    log(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  }
  if (stopRequested) {
    stopAndExit();
    return;
  }
  if (options.state) await writeFile(options.state, `${JSON.stringify(stack.info, null, 2)}\n`);
  process.stdout.write(
    `Stack ready in ${((Date.now() - t0) / 1000).toFixed(1)} s state=${options.state ?? '-'} kubeconfig=${stack.info.kubeconfig}\n`,
  );
  // Keep running until a signal arrives.
  setInterval(() => {}, 1 << 30);
}

const program = new Command('stack')
  .description('The local stack of real servers for inet-swarm tests (Kubernetes + kwok, NATS, FerretDB, moto, distccd).')
  .showHelpAfterError();

program
  .command('up')
  .description('start the stack, print a ready line, and keep it running until SIGINT/SIGTERM')
  .option('--state <file>', 'write the StackInfo JSON here (for INETSWARM_STACK)')
  .option('--dir <dir>', 'keep data and logs here instead of a temporary directory')
  .option('--runner-nodes <n>', 'number of kwok runner nodes', positiveInt, 3)
  .option('--real-node', 'also start a real node (kubelet + containerd) beside the kwok nodes')
  .option('--exit-with-parent', 'stop when stdin closes (used by test/stack/env.ts)')
  .action(up);

program
  .command('build')
  .description('build (or find in the cache) every binary of the stack and install moto and distcc, then exit')
  .option('--real-node', "also build the real node's kubelet and images and install containerd")
  .action(async (options: { realNode?: boolean }) => {
    const t0 = Date.now();
    await prepareAll(log, { realNode: options.realNode });
    log(`Built all binaries in ${Date.now() - t0} ms`);
  });

program
  .command('images')
  .description('build (or find in the cache) the images of the stack and print each reference with its docker save tarball')
  .action(async () => {
    const t0 = Date.now();
    const images = await buildImages(log);
    for (const [ref, tarball] of Object.entries(images)) process.stdout.write(`${ref} ${tarball}\n`);
    log(`Built all images in ${Date.now() - t0} ms`);
  });

await program.parseAsync(process.argv);
