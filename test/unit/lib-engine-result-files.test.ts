import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { restoreResultHeaders, resultPaths } from '../../lib/engine/result-files.ts';

let dir = '';
before(async () => void (dir = await mkdtemp(join(tmpdir(), 'result-files-'))));
after(() => rm(dir, { recursive: true, force: true }));

const header = (resultdir: string, extra: string[] = []) =>
  ['version 3', 'run General-0-20260101-00:00:00-1000', 'attr configname General', `attr resultdir ${resultdir}`, ...extra, 'config network Net', ''].join('\n');

/** A .vec of two blocks and its .vci, as OMNeT++ writes them into `scratch`. */
async function writeVectorPair(scratch: string, base: string): Promise<void> {
  const head = `${header(scratch, [`config result-dir ${scratch}`])}\nvector 0 Net.a x:vector ETV\nvector 1 Net.b y:vector ETV\n`;
  const block0 = '0\t1\t0.5\t7\n0\t2\t1.5\t8\n';
  const block1 = '1\t3\t2.5\t9\n';
  const vec = head + block0 + block1;
  await writeFile(`${base}.vec`, vec);
  const mtime = 1_700_000_000;
  await utimes(`${base}.vec`, mtime, mtime);
  const o0 = Buffer.byteLength(head);
  const o1 = o0 + Buffer.byteLength(block0);
  const blocks = `0\t${o0} ${block0.length} 1 2 0.5 1.5 2 7 8 15 113\n1\t${o1} ${block1.length} 3 3 2.5 2.5 1 9 9 9 81\n`;
  const vci = `${`file ${Buffer.byteLength(vec)} ${mtime}`.padEnd(64, ' ')}\n${header(scratch, [`config result-dir ${scratch}`])}\nvector 0 Net.a x:vector ETV\nvector 1 Net.b y:vector ETV\n${blocks}`;
  await writeFile(`${base}.vci`, vci);
}

describe("restoring a result folder's headers", () => {
  it('rewrites .sca, .vec and .vci in subfolders too, and the .vci still indexes its .vec', async () => {
    const scratch = join(dir, 'run-0-attempt-1');
    await mkdir(join(scratch, 'Net'), { recursive: true });
    await writeFile(join(scratch, 'General-#0.sca'), `${header(scratch, [`config result-dir ${scratch}`])}\nscalar Net x 1\n`);
    await writeVectorPair(scratch, join(scratch, 'Net', 'General-#0'));

    await restoreResultHeaders(scratch, { resultDir: scratch });

    assert.deepEqual(await resultPaths(scratch), ['General-#0.sca', 'Net/General-#0.vci', 'Net/General-#0.vec']);
    assert.equal(await readFile(join(scratch, 'General-#0.sca'), 'utf8'), `${header('results')}\nscalar Net x 1\n`);
    const vec = await readFile(join(scratch, 'Net', 'General-#0.vec'), 'latin1');
    assert.ok(vec.startsWith(header('results')), 'the .vec header names results/');
    const vci = (await readFile(join(scratch, 'Net', 'General-#0.vci'), 'latin1')).split('\n');
    const st = await stat(join(scratch, 'Net', 'General-#0.vec'));
    assert.equal(vci[0], `file ${st.size} 1700000000`.padEnd(64, ' '), 'the fingerprint is the new size and the kept mtime');
    assert.equal(Math.floor(st.mtimeMs / 1000), 1_700_000_000);
    for (const line of vci.filter((l) => /^\d+\t/.test(l))) {
      const [id, offset] = line.split(/[\t ]/).map(Number);
      assert.ok(vec.slice(offset).startsWith(`${id}\t`), `block of vector ${id} starts at offset ${offset}`);
    }
    assert.ok(!vci.join('\n').includes(scratch));
  });

  it('leaves files of other formats and folders without result files alone', async () => {
    const scratch = join(dir, 'run-1-attempt-1');
    await mkdir(scratch);
    const sqlite = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(100, 1)]);
    await writeFile(join(scratch, 'General-#0.sca'), sqlite);
    await writeFile(join(scratch, 'General-#0.elog'), `E # 0 t 0 m 1 ce -1 msg -1 ${scratch}\n`);
    await restoreResultHeaders(scratch, { resultDir: scratch });
    assert.ok((await readFile(join(scratch, 'General-#0.sca'))).equals(sqlite));
    assert.ok((await readFile(join(scratch, 'General-#0.elog'), 'utf8')).includes(scratch));
    await restoreResultHeaders(join(dir, 'never-written'), { resultDir: join(dir, 'never-written') });
  });
});
