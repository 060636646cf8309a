// The archive's header naming the result files the store lost: what the service writes, the CLI reads back, names
// with commas, slashes, spaces and non-ASCII letters included; more files than a header holds keep their count.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { missingFilesHeader, parseMissingFiles } from '../../api/results.ts';

describe('the missing-files header', () => {
  it('reads back the files it names', () => {
    const files = [
      { run: 0, name: 'General-numHosts=10,iaMean=1-#0.vec' },
      { run: 12, name: 'Aloha/deep/Größe x-#12.sca' },
    ];
    assert.deepEqual(parseMissingFiles(missingFilesHeader(files)), { count: 2, files });
  });

  it('keeps the count of files past what fits in a header', () => {
    const files = Array.from({ length: 500 }, (_, run) => ({ run, name: `${'L'.repeat(60)}-#${run}.vec` }));
    const header = missingFilesHeader(files);
    assert.ok(header.length < 4100, `${header.length} characters`);
    const read = parseMissingFiles(header);
    assert.equal(read.count, 500);
    assert.ok(read.files.length > 0 && read.files.length < 500);
    assert.deepEqual(read.files, files.slice(0, read.files.length));
  });

  it('reads no file from an absent or malformed header', () => {
    for (const v of [undefined, '', 'x', '0', '-3 a']) assert.deepEqual(parseMissingFiles(v), { count: 0, files: [] });
  });
});
