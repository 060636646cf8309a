import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRange, planReply, type DownloadRequest, type RangeRequest } from '../../service/files/range.ts';

describe('parseRange', () => {
  const size = 1000;
  const cases: Array<[string, string | undefined, RangeRequest]> = [
    ['means the whole body without a header', undefined, { kind: 'whole' }],
    ['reads an open range to the end', 'bytes=100-', { kind: 'partial', range: { start: 100, end: 999 } }],
    ['reads a closed range', 'bytes=0-0', { kind: 'partial', range: { start: 0, end: 0 } }],
    ['clamps a range that ends past the body', 'bytes=990-5000', { kind: 'partial', range: { start: 990, end: 999 } }],
    ['reads the last byte', 'bytes=999-', { kind: 'partial', range: { start: 999, end: 999 } }],
    ['reads a suffix', 'bytes=-10', { kind: 'partial', range: { start: 990, end: 999 } }],
    ['takes a suffix longer than the body as all of it', 'bytes=-5000', { kind: 'partial', range: { start: 0, end: 999 } }],
    ['takes the unit in any case and spaces around it', ' Bytes = 5-6', { kind: 'partial', range: { start: 5, end: 6 } }],
    ['refuses a start at the end', 'bytes=1000-', { kind: 'unsatisfiable' }],
    ['refuses a start past the end', 'bytes=5000-6000', { kind: 'unsatisfiable' }],
    ['refuses a start too large for a number', 'bytes=99999999999999999999999-', { kind: 'unsatisfiable' }],
    ['refuses an empty suffix', 'bytes=-0', { kind: 'unsatisfiable' }],
    ['ignores a range that ends before it starts', 'bytes=10-5', { kind: 'whole' }],
    ['ignores another unit', 'items=0-5', { kind: 'whole' }],
    ['ignores a malformed range', 'bytes=a-5', { kind: 'whole' }],
    ['ignores a negative start', 'bytes=--5', { kind: 'whole' }],
    ['ignores a lone dash', 'bytes=-', { kind: 'whole' }],
    ['ignores several ranges', 'bytes=0-1,5-6', { kind: 'whole' }],
  ];
  for (const [name, header, expected] of cases) it(name, () => assert.deepEqual(parseRange(header, size), expected));

  it('refuses every range of an empty body', () => {
    assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' });
    assert.deepEqual(parseRange('bytes=-1', 0), { kind: 'unsatisfiable' });
  });
});

describe('planReply', () => {
  const body = { size: 1000, etag: '"tar-abc"' };
  const get = (extra: Partial<DownloadRequest> = {}): DownloadRequest => ({ method: 'GET', ...extra });

  it('sends the whole body with its length, its ETag and that ranges are accepted', () =>
    assert.deepEqual(planReply(get(), body), {
      status: 200,
      range: { start: 0, end: 999 },
      headers: { 'Accept-Ranges': 'bytes', ETag: '"tar-abc"', 'Content-Length': '1000' },
    }));

  it('sends a resumed tail as 206 with its Content-Range', () =>
    assert.deepEqual(planReply(get({ range: 'bytes=600-' }), body), {
      status: 206,
      range: { start: 600, end: 999 },
      headers: { 'Accept-Ranges': 'bytes', ETag: '"tar-abc"', 'Content-Length': '400', 'Content-Range': 'bytes 600-999/1000' },
    }));

  it('answers a range past the end with 416 and the full length', () =>
    assert.deepEqual(planReply(get({ range: 'bytes=1000-' }), body), {
      status: 416,
      headers: { 'Accept-Ranges': 'bytes', ETag: '"tar-abc"', 'Content-Range': 'bytes */1000' },
    }));

  it('honours a range whose If-Range is the current ETag', () => assert.equal(planReply(get({ range: 'bytes=5-', ifRange: '"tar-abc"' }), body).status, 206));

  it('sends the whole body when If-Range names another version or a date', () => {
    assert.equal(planReply(get({ range: 'bytes=5-', ifRange: '"tar-old"' }), body).status, 200);
    assert.equal(planReply(get({ range: 'bytes=5-', ifRange: 'Wed, 21 Oct 2015 07:28:00 GMT' }), body).status, 200);
    assert.equal(planReply(get({ range: 'bytes=5-', ifRange: 'W/"tar-abc"' }), body).status, 200, 'If-Range compares strongly');
  });

  it('answers 304 when If-None-Match names the ETag, weakly or among others', () => {
    assert.equal(planReply(get({ ifNoneMatch: '"x", W/"tar-abc"' }), body).status, 304);
    assert.equal(planReply(get({ ifNoneMatch: '*' }), body).status, 304);
    assert.equal(planReply(get({ ifNoneMatch: '"x"' }), body).status, 200);
  });

  it('answers HEAD with the headers of a GET and no body, ignoring Range', () =>
    assert.deepEqual(planReply({ method: 'HEAD', range: 'bytes=5-' }, body), {
      status: 200,
      headers: { 'Accept-Ranges': 'bytes', ETag: '"tar-abc"', 'Content-Length': '1000' },
    }));

  it('sends an empty body as 200 with nothing to stream', () =>
    assert.deepEqual(planReply(get(), { size: 0, etag: '"e"' }), { status: 200, headers: { 'Accept-Ranges': 'bytes', ETag: '"e"', 'Content-Length': '0' } }));
});
