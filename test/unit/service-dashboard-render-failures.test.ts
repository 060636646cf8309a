import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { failuresTable } from '../../service/dashboard/render/failures.ts';

describe('failuresTable', () => {
  it('lists error lines by how many runs they failed, each with its first runs linked and the rest counted', () => {
    const text = failuresTable({
      base: '/d',
      namespace: 'ns',
      name: 'c',
      failures: { items: [{ pattern: 'rare <b>', errorLine: 'rare <b>', count: 1, runs: [9] }, { pattern: 'often', errorLine: 'often', count: 12, runs: [1, 2] }] },
    }).text;
    const rows = [...text.matchAll(/<tr><td class="error-line">([^<]*)<\/td><td class="num">(\d+)<\/td><td>(.*?)<\/td><\/tr>/g)].map((m) => [m[1], m[2], m[3]]);
    assert.deepEqual(rows, [
      ['often', '12', '<a href="/d/namespaces/ns/campaigns/c/runs/1">1</a>, <a href="/d/namespaces/ns/campaigns/c/runs/2">2</a>, … (10 more)'],
      ['rare &lt;b&gt;', '1', '<a href="/d/namespaces/ns/campaigns/c/runs/9">9</a>'],
    ]);
    assert.match(text, /13 failed runs with 2 distinct error lines/);
  });
  it('says so when no run failed', () => {
    assert.match(failuresTable({ base: '/d', namespace: 'ns', name: 'c', failures: { items: [] } }).text, /<p>No run has failed\.<\/p>/);
  });
});
