import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { entryDone, entryTarget, padding, parseProgress, resumeOffset, stemOf, type ArchiveProgress } from '../../cli/data/archive.ts';

const start: ArchiveProgress = { namespace: 'lab', campaign: 'aloha', etag: '"tar-x"', position: 0, files: 0, bytes: 0, runs: 0 };

describe('the results archive download state', () => {
  it('places an entry under the download folder by its name under results/', () => {
    assert.equal(entryTarget('results/Aloha-#0.sca'), 'Aloha-#0.sca');
    assert.equal(entryTarget('results/sub/x.vec'), 'sub/x.vec');
  });
  it('refuses an entry outside results/ or one that would leave the folder', () => {
    for (const name of ['other/x.sca', 'results/../x', 'results//x', '/etc/passwd', 'results/a\\b']) assert.equal(entryTarget(name), undefined, name);
  });
  it('pads a body to whole 512-byte blocks', () => {
    assert.deepEqual([0, 1, 511, 512, 513].map(padding), [0, 511, 1, 0, 511]);
  });
  it('resumes inside the entry under way after the bytes kept, else at the next header', () => {
    assert.equal(resumeOffset({ ...start, entry: { path: 'a.vec', size: 1000, dataOffset: 1536 } }, 300), 1836);
    assert.equal(resumeOffset({ ...start, entry: { path: 'a.vec', size: 1000, dataOffset: 1536 } }, 5000), 2536, 'never past the entry');
    assert.equal(resumeOffset({ ...start, position: 4096 }, 0), 4096);
  });
  it('moves past a finished entry and its padding, and counts a run once for its consecutive files', () => {
    let p = entryDone(start, { path: 'Aloha-#0.sca', size: 100, dataOffset: 512 });
    assert.deepEqual([p.position, p.files, p.bytes, p.runs, p.entry], [1024, 1, 100, 1, undefined]);
    p = entryDone(p, { path: 'Aloha-#0.vec', size: 512, dataOffset: 1536 });
    p = entryDone(p, { path: 'Aloha-#1.sca', size: 1, dataOffset: 2560 });
    assert.deepEqual([p.position, p.files, p.runs], [3072, 3, 2]);
  });
  it('names a run by its file name without the extension', () => {
    assert.equal(stemOf('d/Aloha-#3.vec'), 'd/Aloha-#3');
    assert.equal(stemOf('d.x/noext'), 'd.x/noext');
  });
  it("reads back this campaign's state only", () => {
    const text = JSON.stringify({ ...start, entry: { path: 'a.sca', size: 3, dataOffset: 512 } });
    assert.equal(parseProgress(text, 'lab', 'aloha')?.entry?.path, 'a.sca');
    assert.equal(parseProgress(text, 'lab', 'other'), undefined);
    assert.equal(parseProgress(text, 'lab2', 'aloha'), undefined);
    assert.equal(parseProgress(JSON.stringify({ ...start, entry: { path: '../x', size: 3, dataOffset: 512 } }), 'lab', 'aloha'), undefined);
    assert.equal(parseProgress('{', 'lab', 'aloha'), undefined);
  });
});
