// A lock between processes on one machine: test files run in parallel
// processes, and two of them building the same images at once would share one
// daemon's data and double minutes of building. The lock is a directory
// holding its owner's pid, so a lock whose owner died is taken over at once.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` holding the lock at `path`, waiting for another live holder to finish first. */
export async function withProcessLock<T>(path: string, log: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  let told = false;
  for (;;) {
    try {
      await mkdir(path);
      break;
    } catch {
      const owner = Number(await readFile(join(path, 'pid'), 'utf8').catch(() => ''));
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
        await rm(path, { recursive: true, force: true });
        continue;
      }
      if (!told) log(`Waiting for process ${owner || '?'} to finish building the images (lock ${path})`);
      told = true;
      await sleep(1000);
    }
  }
  await writeFile(join(path, 'pid'), String(process.pid));
  try {
    return await fn();
  } finally {
    await rm(path, { recursive: true, force: true });
  }
}
