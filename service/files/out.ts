// Writing a download's bytes to its destination with backpressure: a write
// waits while the destination's buffer is full, so a slow client holds the
// reading of the store back instead of filling the service's memory, and it
// stops when the destination closes (the client went away) or the caller
// aborts.
import type { Writable } from 'node:stream';

/** Why a download stopped early: its destination closed, or its caller aborted. */
export class DownloadStopped extends Error {
  override name = 'DownloadStopped';
}

function stopped(out: Writable, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || out.destroyed || out.writableEnded;
}

/** Writes one chunk; resolves once `out` can take more. Rejects with DownloadStopped when `out` closes or `signal` aborts. */
export function writeChunk(out: Writable, chunk: Uint8Array, signal?: AbortSignal): Promise<void> {
  if (stopped(out, signal)) return Promise.reject(new DownloadStopped('the download stopped'));
  if (out.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      out.off('drain', onDrain).off('close', onClose).off('error', onClose);
      signal?.removeEventListener('abort', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new DownloadStopped('the download stopped'));
    out.on('drain', onDrain).on('close', onClose).on('error', onClose);
    signal?.addEventListener('abort', onClose);
  });
}
