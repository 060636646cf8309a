import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectId } from 'mongodb';
import { archiveLayout, fitsUstar, headerBytes, locate, paxBytes, type ArchiveEntry } from '../../service/files/layout.ts';

const id = (n: number): ObjectId => new ObjectId(n.toString(16).padStart(24, '0'));
const entry = (run: number, path: string, size: number, n = run): ArchiveEntry => ({ run, path, gridfsId: id(n), size, mtime: 1_700_000_000 });

describe('fitsUstar', () => {
  const cases: Array<[string, string, boolean]> = [
    ['a short name', 'results/General-#0.sca', true],
    ['a name of exactly 100 bytes', 'x'.repeat(100), true],
    ['a long name whose leading folders fit the prefix', `results/Aloha/${'y'.repeat(100)}`, true],
    ['no single part over 100 bytes', `results/${'z'.repeat(101)}`, false],
    ['no prefix over 155 bytes', `${'p'.repeat(156)}/x`, false],
    ['a prefix of exactly 155 bytes', `${'p'.repeat(155)}/${'q'.repeat(100)}`, true],
    ['no non-ASCII name, however short', 'results/é.sca', false],
  ];
  for (const [name, path, fits] of cases) it(`${fits ? 'takes' : 'refuses'} ${name}`, () => assert.equal(fitsUstar(path), fits));
});

describe('headerBytes', () => {
  it('is one block for a ustar name', () => assert.equal(headerBytes('results/a.sca'), 512));
  it('is a pax header, its padded record and the ustar header for a long name', () => {
    const path = `results/${'z'.repeat(101)}`;
    assert.equal(paxBytes(path), ` path=${path}\n`.length + 3);
    assert.equal(headerBytes(path), 512 + 512 + 512);
  });
  it('counts the digit a pax record length gains at 100 and at 1,000 bytes', () => {
    // A record is ' path=' + name + '\n' (the name's bytes + 7) after its own length's digits.
    assert.equal(paxBytes('é'.repeat(45)), 99, '90 + 7 + 2');
    assert.equal(paxBytes(`${'é'.repeat(45)}a`), 101, '91 + 7 + 3: two digits would make 100, which has three');
    assert.equal(paxBytes('a'.repeat(989)), 999, '989 + 7 + 3');
    assert.equal(paxBytes('a'.repeat(990)), 1001, '990 + 7 + 4');
    assert.equal(headerBytes('a'.repeat(990)), 512 + 1024 + 512);
  });
});

describe('archiveLayout', () => {
  it('orders entries by run, then by path, and places them end to end on block boundaries', () => {
    const layout = archiveLayout([entry(2, 'results/b', 1), entry(1, 'results/z', 512), entry(2, 'results/a', 0), entry(1, 'results/y', 513, 7)]);
    assert.deepEqual(
      layout.entries.map((e) => [e.run, e.path, e.offset, e.dataOffset, e.end]),
      [
        [1, 'results/y', 0, 512, 1536],
        [1, 'results/z', 1536, 2048, 2560],
        [2, 'results/a', 2560, 3072, 3072],
        [2, 'results/b', 3072, 3584, 4096],
      ],
    );
    assert.deepEqual([layout.trailerOffset, layout.size], [4096, 5120]);
  });

  it('gives an empty archive its two closing blocks only', () => assert.equal(archiveLayout([]).size, 1024));

  it('has a strong ETag that depends on the files and not on the order they were listed in', () => {
    const a = entry(0, 'results/a', 10);
    const b = entry(1, 'results/b', 20);
    const etag = archiveLayout([a, b]).etag;
    assert.match(etag, /^"tar-[\w-]{32}"$/);
    assert.equal(archiveLayout([b, a]).etag, etag);
    assert.notEqual(archiveLayout([a, { ...b, gridfsId: id(99) }]).etag, etag, 'another stored file');
    assert.notEqual(archiveLayout([a, { ...b, mtime: 1 }]).etag, etag, 'another mtime');
    assert.notEqual(archiveLayout([a]).etag, etag, 'one file fewer');
  });
});

describe('locate', () => {
  const layout = archiveLayout([entry(0, 'results/a', 700), entry(1, 'results/b', 10)]);
  const cases: Array<[string, number, { index: number; bodySkip: number }]> = [
    ['the first header', 0, { index: 0, bodySkip: 0 }],
    ['inside a header', 100, { index: 0, bodySkip: 0 }],
    ['the first body byte', 512, { index: 0, bodySkip: 0 }],
    ['inside a body', 600, { index: 0, bodySkip: 88 }],
    ["a body's padding, as the end of that body", 1300, { index: 0, bodySkip: 700 }],
    ['the next header, at an entry boundary', 1536, { index: 1, bodySkip: 0 }],
    ['the trailer', 2560, { index: 2, bodySkip: 0 }],
    ['the last byte', 3583, { index: 2, bodySkip: 0 }],
  ];
  for (const [name, position, expected] of cases) it(`finds ${name}`, () => assert.deepEqual(locate(layout, position), expected));
});
