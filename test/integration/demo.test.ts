// The README's main job, `bash scripts/demo.sh`, run as a user runs it: a
// whole campaign with `run --local` on the bundled model, exit 0, every run
// succeeded, results/ listed, and its temporary folder gone afterwards.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('scripts/demo.sh runs the 42-run Aloha campaign to the end and exits 0', { timeout: 300_000 }, async () => {
  const { stdout, stderr } = await promisify(execFile)('bash', [join(root, 'scripts', 'demo.sh')], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const output = `${stdout}${stderr}`;
  assert.match(output, /Config Aloha: 42 runs, 42 succeeded, 0 failed/);
  assert.match(output, /results\/ now holds 168 files/);
  const work = /Building the oppsim model in a fresh git repository under (\S+)/.exec(output)?.[1];
  assert.ok(work, output);
  assert.equal(existsSync(work), false, 'the temporary folder is removed');
});
