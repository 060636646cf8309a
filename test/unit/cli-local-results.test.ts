import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { moveResults } from '../../cli/local/results.ts';
import { resultPaths } from '../../lib/engine/result-files.ts';

let dir = '';
before(async () => void (dir = await mkdtemp(join(tmpdir(), 'local-results-'))));
after(() => rm(dir, { recursive: true, force: true }));

async function attempt(name: string, files: Record<string, string>): Promise<string> {
  const at = join(dir, name);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(at, path, '..'), { recursive: true });
    await writeFile(join(at, path), text);
  }
  return at;
}

describe('moving an attempt\'s results into the output folder', () => {
  it("merges subfolders: each run's files land beside the other runs', replacing only its own older ones", async () => {
    const out = join(dir, 'results');
    await mkdir(out);
    assert.deepEqual(await moveResults(await attempt('run-0', { 'Aloha/r0.sca': 'run 0', 'r0.out': 'out 0' }), out), ['Aloha/r0.sca', 'r0.out']);
    await moveResults(await attempt('run-1', { 'Aloha/r1.sca': 'run 1' }), out);
    await moveResults(await attempt('run-0-again', { 'Aloha/r0.sca': 'run 0, second time' }), out);
    assert.deepEqual(await resultPaths(out), ['Aloha/r0.sca', 'Aloha/r1.sca', 'r0.out']);
    assert.equal(await readFile(join(out, 'Aloha/r0.sca'), 'utf8'), 'run 0, second time');
    assert.equal(await readFile(join(out, 'Aloha/r1.sca'), 'utf8'), 'run 1');
    assert.deepEqual(await resultPaths(join(dir, 'run-1')), [], 'the attempt folder is gone');
  });
  it('moves nothing for an attempt that wrote no folder', async () => assert.deepEqual(await moveResults(join(dir, 'none'), join(dir, 'results')), []));
});
