// docs/configuration.md cannot drift from the code: every INETSWARM_ variable
// named anywhere in the programs (the results service included), the chart,
// the images, the scripts and the test tooling is in its table, and the table
// lists nothing that no code names.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where settings are read or written. test/unit is left out: its tables name made-up variables. */
const SOURCES = ['api', 'lib', 'operator', 'pods', 'service', 'cli', 'bin', 'charts/inet-swarm/templates', 'images', 'scripts', 'test/support', 'test/stack', 'test/bench', 'test/integration', 'test/all.sh'];
const TEXT_FILE = /\.(ts|js|sh|yaml|yml|tpl|txt|c)$|(^|\/)Dockerfile[^/]*$/;
/** A whole variable name; `INETSWARM_E2E_*` in a comment is a family, not a name. */
const VARIABLE = /(?<![A-Za-z0-9_])INETSWARM_[A-Z0-9_]*[A-Z0-9](?![A-Za-z0-9_*])/g;

function files(path: string): string[] {
  const full = join(ROOT, path);
  if (!statSync(full, { throwIfNoEntry: false })) return [];
  if (statSync(full).isFile()) return TEXT_FILE.test(path) ? [path] : [];
  return readdirSync(full).flatMap((name) => (name === 'node_modules' || name === 'work' ? [] : files(join(path, name))));
}

const sources = SOURCES.flatMap(files).map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') }));

function namedInCode(): Map<string, string> {
  const where = new Map<string, string>();
  for (const { path, text } of sources) for (const [name] of text.matchAll(VARIABLE)) if (!where.has(name)) where.set(name, path);
  return where;
}

function documented(): Set<string> {
  const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
  return new Set([...doc.matchAll(/^\| `(INETSWARM_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]!));
}

// The work queue's stream names start with the default queue prefix; they are not variables.
const NOT_VARIABLES = new Set(['INETSWARM_TASKS', 'INETSWARM_EVENTS']);

test('every INETSWARM_ variable the code names is in the table of docs/configuration.md', () => {
  const table = documented();
  const missing = [...namedInCode()].filter(([name]) => !table.has(name) && !NOT_VARIABLES.has(name)).map(([name, path]) => `${name} (${path})`);
  assert.deepEqual(missing, []);
});

test('the table of docs/configuration.md lists no variable that nothing reads', () => {
  const code = namedInCode();
  assert.deepEqual([...documented()].filter((name) => !code.has(name)), []);
});

test('no code uses the old INET_SWARM_ prefix', () => {
  // test/stack/env.ts names the old INET_SWARM_STACK once, to refuse it instead of starting a private stack.
  const old = sources.filter(({ path, text }) => relative('test/stack', path) !== 'env.ts' && /INET_SWARM_[A-Z]/.test(text)).map(({ path }) => path);
  assert.deepEqual(old, []);
});
