// The chart's values reference and schema stay complete: every key the schema
// allows is documented in charts/inet-swarm/README.md, and every object level
// the chart owns rejects unknown keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const chart = join(dirname(fileURLToPath(import.meta.url)), '../../charts/inet-swarm');

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
}

const schema = JSON.parse(await readFile(join(chart, 'values.schema.json'), 'utf8')) as Schema;
const readme = await readFile(join(chart, 'README.md'), 'utf8');

/** Dotted paths of every key below `node` that has no properties of its own (a value, list or pass-through). */
function leaves(node: Schema, prefix = ''): string[] {
  if (!node.properties) return [prefix];
  return Object.entries(node.properties).flatMap(([key, child]) => leaves(child, prefix ? `${prefix}.${key}` : key));
}

/** Dotted paths of objects with declared properties that still accept unknown keys. */
function openObjects(node: Schema, prefix = '<root>'): string[] {
  const here = node.properties && node.additionalProperties !== false ? [prefix] : [];
  const children = Object.entries(node.properties ?? {}).flatMap(([key, child]) => openObjects(child, prefix === '<root>' ? key : `${prefix}.${key}`));
  const items = node.items ? openObjects(node.items, `${prefix}[]`) : [];
  return [...here, ...children, ...items];
}

test('every object level of values.schema.json with declared keys rejects unknown keys', () => {
  assert.deepEqual(openObjects(schema), []);
});

test('the README documents every value the schema allows (the key or its parent)', () => {
  const documented = new Set([...readme.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
  const missing = leaves(schema).filter((path) => {
    const parts = path.split('.');
    return !parts.some((_, i) => documented.has(parts.slice(0, parts.length - i).join('.')));
  });
  assert.deepEqual(missing, []);
});

test('the README documents no value the schema does not allow', () => {
  const allowed = new Set<string>();
  for (const path of leaves(schema)) {
    const parts = path.split('.');
    for (let i = 1; i <= parts.length; i++) allowed.add(parts.slice(0, i).join('.'));
  }
  const table = readme.slice(readme.indexOf('## Values'));
  const unknown = [...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1] ?? '').filter((key) => !allowed.has(key));
  assert.deepEqual(unknown, []);
});
