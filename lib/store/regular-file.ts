// Opening a file a simulation wrote, for reading: only a regular file, never
// through a symbolic link (O_NOFOLLOW), and without blocking (O_NONBLOCK), so
// that an entry swapped for a FIFO or a link to /dev/zero after the result
// folder was listed fails the read instead of holding or flooding the runner.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export const READ_REGULAR = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Opens `path` for reading; throws when it is not a regular file (ELOOP for a symbolic link). */
export async function openRegular(path: string): Promise<FileHandle> {
  const handle = await open(path, READ_REGULAR);
  try {
    if (!(await handle.stat()).isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTREG' });
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}
