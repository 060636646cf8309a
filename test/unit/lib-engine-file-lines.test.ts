import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PermanentError } from '../../lib/errors.ts';
import { fileLines } from '../../lib/engine/file-lines.ts';

let dir: string;
before(async () => (dir = await mkdtemp(join(tmpdir(), 'file-lines-'))));
after(() => rm(dir, { recursive: true, force: true }));

async function linesOf(content: string | Buffer, maxLineBytes?: number): Promise<string[]> {
  const path = join(dir, `f-${Math.random()}`);
  await writeFile(path, content);
  const all: string[] = [];
  for await (const group of fileLines(path, maxLineBytes)) all.push(...group);
  return all;
}

describe('fileLines: a file read line by line in chunks', () => {
  it('yields each line, a last line without a newline too', async () => assert.deepEqual(await linesOf('a\nbb\n\nccc'), ['a', 'bb', '', 'ccc']));
  it('joins a line that spans chunks, a character cut between them included', async () => {
    const long = `${'x'.repeat((1 << 20) - 1)}é${'y'.repeat(10)}`;
    assert.deepEqual(await linesOf(`${long}\nend\n`, 2 << 20), [long, 'end']);
  });
  it('reads a million lines in order', async () => {
    const lines = await linesOf(Array.from({ length: 1_000_000 }, (_, i) => `Run ${i}: $repetition=0\n`).join(''));
    assert.equal(lines.length, 1_000_000);
    assert.equal(lines[999_999], 'Run 999999: $repetition=0');
  });
  it('refuses a line longer than the limit, naming it', async () => {
    await assert.rejects(linesOf(`ok\n${'z'.repeat(5000)}\n`, 4096), (e) => e instanceof PermanentError && /line 2 of the output is longer than 4096 bytes/.test(e.message));
    await assert.rejects(linesOf('z'.repeat(3 << 20), 1 << 20), PermanentError);
  });
});
