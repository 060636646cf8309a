// The chart templates the CRDs from its own copy (Helm cannot read outside the
// chart folder); the copy must stay byte-identical to crds/, the API's single
// source of truth. scripts/sync-crds.sh fixes a difference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const source = join(root, 'crds');
const copy = join(root, 'charts/inet-swarm/files/crds');

async function yamlFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
}

test('the chart holds a copy of every CRD in crds/ and no other', async () => {
  assert.deepEqual(await yamlFiles(copy), await yamlFiles(source));
});

test("the chart's CRD copies are byte-identical to crds/ (run scripts/sync-crds.sh after changing a CRD)", async () => {
  for (const file of await yamlFiles(source)) {
    const [a, b] = await Promise.all([readFile(join(source, file)), readFile(join(copy, file))]);
    assert.ok(a.equals(b), `charts/inet-swarm/files/crds/${file} differs from crds/${file}`);
  }
});
