// Graceful shutdown: the first SIGTERM/SIGINT runs the cleanup once (drain
// the queues, release the lease, close clients); a second signal exits at once.
import type { Logger } from 'pino';

/** Runs `cleanup` on the first SIGTERM or SIGINT, then exits with `exitCode`; returns a function that unregisters. */
export function onShutdownSignal(log: Logger, cleanup: (signal: string) => Promise<void>, graceMs = 30_000): () => void {
  let started = false;
  const handler = (signal: NodeJS.Signals) => {
    if (started) {
      log.warn({ signal }, 'Received a second signal, exited at once');
      process.exit(1);
    }
    started = true;
    log.info({ signal }, 'Received signal, shutting down');
    const timer = setTimeout(() => {
      log.error({ graceMs }, 'Shutdown exceeded its grace period, exited');
      process.exit(1);
    }, graceMs);
    timer.unref();
    cleanup(signal).then(
      () => {
        log.info('Shut down cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
