// The pure halves of the batched GridFS writer: how files are grouped and chunked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectId } from 'mongodb';
import { chunkDocuments, planBatches } from '../../lib/store/gridfs.ts';

describe('planBatches', () => {
  it('puts small files into one batch', () => {
    const files = [{ size: 10 }, { size: 0 }, { size: 30 }];
    assert.deepEqual(planBatches(files, 100), { batches: [files], streamed: [] });
  });

  it('starts a new batch where the next file would pass the limit, keeping the order', () => {
    const [a, b, c] = [{ size: 60 }, { size: 50 }, { size: 40 }];
    assert.deepEqual(planBatches([a, b, c], 100), { batches: [[a], [b, c]], streamed: [] });
  });

  it('streams a file bigger than the limit on its own', () => {
    const [a, big, c] = [{ size: 1 }, { size: 101 }, { size: 2 }];
    assert.deepEqual(planBatches([a, big, c], 100), { batches: [[a, c]], streamed: [big] });
  });

  it('has nothing to do for no files', () => {
    assert.deepEqual(planBatches([], 100), { batches: [], streamed: [] });
  });
});

describe('chunkDocuments', () => {
  it('cuts content into numbered chunks of the chunk size, the last one shorter', () => {
    const id = new ObjectId();
    const chunks = chunkDocuments(id, Buffer.from('abcdefghij'), 4);
    assert.deepEqual(
      chunks.map((c) => [c.files_id, c.n, Buffer.from(c.data.buffer).toString()]),
      [
        [id, 0, 'abcd'],
        [id, 1, 'efgh'],
        [id, 2, 'ij'],
      ],
    );
  });

  it('writes no chunk for an empty file and exactly one for a file of one chunk size', () => {
    assert.equal(chunkDocuments(new ObjectId(), Buffer.alloc(0), 4).length, 0);
    assert.equal(chunkDocuments(new ObjectId(), Buffer.alloc(4), 4).length, 1);
  });
});
