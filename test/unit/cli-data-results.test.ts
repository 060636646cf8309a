import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MERGE_ANNOTATION } from '../../api/labels.ts';
import { parseVciHeader } from '../../cli/data/results.ts';
import { resultSources } from '../../lib/store/sources.ts';
import { failedCampaignFixture as original } from '../support/cli-fixtures.ts';

describe('parseVciHeader', () => {
  const cases: Array<[string, string, { size: number; mtime: number } | undefined]> = [
    ['reads the size and mtime of the first line', 'file 4096 1700000000\nversion 3\n', { size: 4096, mtime: 1700000000 }],
    ['accepts a header without a newline', 'file 12 34', { size: 12, mtime: 34 }],
    ['ignores a header that is not on the first line', 'version 3\nfile 1 2\n', undefined],
    ['rejects a header with a missing field', 'file 4096\n', undefined],
  ];
  for (const [name, text, expected] of cases) it(name, () => assert.deepEqual(parseVciHeader(text), expected));
});

describe('resultSources', () => {
  it('lists the merged campaigns first and the campaign itself last', () => {
    const c = { ...original, metadata: { ...original.metadata, uid: 'u3', annotations: { [MERGE_ANNOTATION]: 'u1, u2' } } };
    assert.deepEqual(resultSources(c), ['u1', 'u2', 'u3']);
  });
  it('is the campaign alone without the annotation', () => assert.deepEqual(resultSources(original), ['u2']));
});
