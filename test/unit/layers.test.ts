// The layer and purity rules (.dependency-cruiser.mjs, .dependency-cruiser-purity.mjs,
// docs/layers.md) run through dependency-cruiser's own command, as `npm run
// lint` runs them: on a small tree with one planted violation of each rule,
// where each must be reported exactly, and on the project's tree, which must
// have none beyond the known exceptions listed here.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const depcruise = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const configs = { layers: '.dependency-cruiser.mjs', purity: '.dependency-cruiser-purity.mjs' } as const;
/** What `npm run lint:layers` cruises. */
const layerFolders = ['api', 'lib', 'operator', 'pods', 'cli'];

/**
 * Violations the project's tree is known to have, as `rule: from → to`; each
 * waits for a move in code another change owns. Empty: the tree keeps every
 * rule. A new entry needs a comment saying who removes it.
 */
const KNOWN_EXCEPTIONS: string[] = [];

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
  via?: { name: string }[];
}

/** A module as the rules name it: an npm package by its name, wherever node_modules lies. */
function moduleName(source: string): string {
  return /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source)?.[1] ?? source;
}

function line(v: Violation): string {
  return `${v.rule.name}: ${v.from} → ${moduleName(v.to)}`;
}

/** Runs one configuration over `folders` of the tree at `cwd`; returns its violations. */
async function cruise(config: keyof typeof configs, cwd: string, folders: string[]): Promise<Violation[]> {
  const args = [depcruise, '--config', join(root, configs[config]), '--output-type', 'json', ...folders];
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, out, err) => {
      // The json reporter exits 0 whatever it finds; anything else is the tool failing.
      if (error) reject(new Error(`dependency-cruiser failed: ${err || error.message}`));
      else resolve(out);
    });
  });
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/**
 * A tree in the project's layout with one violation of each rule planted, next
 * to imports the rules allow (noted "allowed").
 */
const fixture: Record<string, string> = {
  // allowed: a pure module may name a client library's types; they are not loaded.
  'api/types.ts': "import type { Db } from 'mongodb';\nexport interface Thing { db?: Db }\n",
  'api/names.ts': "import { keyOf } from '../lib/kube/keys.ts';\nexport const name = keyOf;\n",
  'lib/kube/keys.ts': 'export function keyOf(ns: string, name: string): string { return `${ns}/${name}`; }\n',
  // A pure helper that re-exports a value from a module that loads a client: the case of issue 11.
  'lib/kube/manifests.ts': "export { applyStatus } from './resources.ts';\nexport const labels = {};\n",
  'lib/kube/resources.ts': "import { MongoClient } from 'mongodb';\nexport function applyStatus(): unknown { return MongoClient; }\n",
  // An inline `type` specifier keeps the import under verbatimModuleSyntax: mongodb is loaded.
  'lib/queue/subjects.ts': "import { type Db } from 'mongodb';\nexport const subject = (db?: Db) => String(db);\n",
  'lib/store/store.ts': "import { reconcile } from '../../operator/controllers/demo/reconcile.ts';\nexport const store = reconcile;\n",
  'operator/controllers/demo/decide.ts':
    "import { labels } from '../../../lib/kube/manifests.ts';\nimport type { Thing } from '../../../api/types.ts';\nexport const decide = (t: Thing) => ({ t, labels });\n",
  // allowed: an act module does the I/O its decide module may not.
  'operator/controllers/demo/reconcile.ts':
    "import { MongoClient } from 'mongodb';\nimport { pino } from 'pino';\nimport { decide } from './decide.ts';\nimport './gone.ts';\nexport const reconcile = [MongoClient, pino, decide];\n",
  'operator/runtime/lease.decide.ts': "import { readFileSync } from 'node:fs';\nexport const lease = readFileSync;\n",
  'operator/main.ts': "import '../pods/runner/main.ts';\nimport '../cli/commands/good.ts';\n",
  'pods/runner/main.ts': "import '../../operator/controllers/demo/reconcile.ts';\nimport '../../cli/commands/good.ts';\n",
  'cli/git/decide.ts': "export const git = () => import('node:child_process');\n",
  // allowed: the CLI reaches shared code through lib/ and api/.
  'cli/commands/good.ts': "import { applyStatus } from '../../lib/kube/resources.ts';\nimport type { Thing } from '../../api/types.ts';\nexport const good = (t: Thing) => [t, applyStatus];\n",
  // A type-only import still couples the CLI to the operator's insides.
  'cli/commands/bad.ts':
    "import type { decide } from '../../operator/controllers/demo/decide.ts';\nimport '../../pods/runner/main.ts';\nexport type Bad = typeof decide;\n",
  // allowed: tests import anything.
  'test/unit/demo.test.ts': "import '../../operator/main.ts';\nimport '../../pods/runner/main.ts';\nimport '../../cli/commands/bad.ts';\n",
};

describe('the layer and purity rules', () => {
  let tree = '';
  // Each cruise takes seconds: all four start at once, and each test awaits its own.
  let results: Record<'fixtureLayers' | 'fixturePurity' | 'projectLayers' | 'projectPurity', Promise<Violation[]>>;
  before(async () => {
    tree = await mkdtemp(join(tmpdir(), 'inet-swarm-layers-'));
    for (const [file, text] of Object.entries(fixture)) {
      await mkdir(dirname(join(tree, file)), { recursive: true });
      await writeFile(join(tree, file), text);
    }
    await copyFile(join(root, 'tsconfig.json'), join(tree, 'tsconfig.json'));
    await symlink(join(root, 'node_modules'), join(tree, 'node_modules'));
    results = {
      fixtureLayers: cruise('layers', tree, [...layerFolders, 'test']),
      fixturePurity: cruise('purity', tree, [...layerFolders, 'test']),
      projectLayers: cruise('layers', root, layerFolders),
      projectPurity: cruise('purity', root, layerFolders),
    };
    // Settled here so that a failing cruise fails its own test, not the process.
    for (const result of Object.values(results)) result.catch(() => {});
  });
  after(async () => {
    if (tree) await rm(tree, { recursive: true, force: true });
  });

  it('report every import across a layer, type-only ones included, and an import that does not resolve', async () => {
    const found = (await results.fixtureLayers).map(line).sort();
    assert.deepEqual(found, [
      'layer-api: api/names.ts → lib/kube/keys.ts',
      'layer-cli: cli/commands/bad.ts → operator/controllers/demo/decide.ts',
      'layer-cli: cli/commands/bad.ts → pods/runner/main.ts',
      'layer-lib: lib/store/store.ts → operator/controllers/demo/reconcile.ts',
      'layer-operator: operator/main.ts → cli/commands/good.ts',
      'layer-operator: operator/main.ts → pods/runner/main.ts',
      'layer-pods: pods/runner/main.ts → cli/commands/good.ts',
      'layer-pods: pods/runner/main.ts → operator/controllers/demo/reconcile.ts',
      'resolvable: operator/controllers/demo/reconcile.ts → ./gone.ts',
    ]);
  });

  it('report a pure module that loads a client or I/O module through any chain of imports, and each impure module it loads', async () => {
    const found = (await results.fixturePurity).map(line).sort();
    assert.deepEqual(found, [
      'pure-reaches-no-io: cli/git/decide.ts → child_process',
      'pure-reaches-no-io: lib/kube/manifests.ts → mongodb',
      'pure-reaches-no-io: lib/queue/subjects.ts → mongodb',
      'pure-reaches-no-io: operator/controllers/demo/decide.ts → mongodb',
      'pure-reaches-no-io: operator/runtime/lease.decide.ts → fs',
      'pure-reaches-only-pure: lib/kube/manifests.ts → lib/kube/resources.ts',
      'pure-reaches-only-pure: operator/controllers/demo/decide.ts → lib/kube/resources.ts',
    ]);
  });

  it('name the path by which a decide module reaches the client, two hops away through a re-export', async () => {
    const violation = (await results.fixturePurity).find(
      (v) => v.rule.name === 'pure-reaches-no-io' && v.from === 'operator/controllers/demo/decide.ts',
    );
    assert.deepEqual(violation?.via?.map((step) => moduleName(step.name)), ['lib/kube/manifests.ts', 'lib/kube/resources.ts', 'mongodb']);
  });

  it('find nothing in the project beyond the known exceptions', async () => {
    const found = [...(await results.projectLayers), ...(await results.projectPurity)].map(line).sort();
    assert.deepEqual(found, [...KNOWN_EXCEPTIONS].sort());
  });
});
