// Keeps api/v1alpha1.ts and the CRDs in crds/ in step: the TypeScript
// compiler reads the interfaces, the test walks the OpenAPI schemas, and every
// field must agree on presence, optionality, type and enum values. Also checks
// the CRD metadata the rest of the project relies on (names, printer columns,
// descriptions) and that every sample only uses fields the schema knows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import ts from 'typescript';
import { loadAllYaml, loadYaml } from '@kubernetes/client-node';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import {
  API_VERSION,
  CAMPAIGN_SPEC_DEFAULTS,
  CATEGORY,
  GROUP,
  INET_BUILD,
  INET_BUILD_SPEC_DEFAULTS,
  MAX_FAILED_RUNS,
  SIMULATION_CAMPAIGN,
  VERSION,
  progressText,
} from '../../api/v1alpha1.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const apiFile = path.join(root, 'api/v1alpha1.ts');

/** An OpenAPI v3 schema node with the key names of the YAML. */
interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  format?: string;
  maxLength?: number;
  maxItems?: number;
  default?: unknown;
  'x-kubernetes-int-or-string'?: boolean;
}

/**
 * The client's model renames some schema keys (`_enum`, `x_kubernetes_...`)
 * but leaves `items` untyped, so one tree mixes both spellings; this puts every
 * key back to its YAML spelling. No field of ours is named like those keys.
 */
function yamlKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(yamlKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => {
        const key = k === '_enum' ? 'enum' : k === '_default' ? 'default' : k.startsWith('x_kubernetes_') ? k.replaceAll('_', '-') : k;
        return [key, yamlKeys(v)];
      }),
  );
}

function loadCrd(file: string): V1CustomResourceDefinition {
  return loadYaml<V1CustomResourceDefinition>(readFileSync(path.join(root, 'crds', file), 'utf8'));
}

const crds = [
  { file: 'inetbuilds.yaml', names: INET_BUILD, typeName: 'InetBuild', crd: loadCrd('inetbuilds.yaml') },
  {
    file: 'simulationcampaigns.yaml',
    names: SIMULATION_CAMPAIGN,
    typeName: 'SimulationCampaign',
    crd: loadCrd('simulationcampaigns.yaml'),
  },
];

function schemaOf(crd: V1CustomResourceDefinition): Schema {
  const schema = crd.spec.versions[0]?.schema?.openAPIV3Schema;
  assert.ok(schema, `${crd.metadata?.name} has no openAPIV3Schema`);
  return yamlKeys(schema) as Schema;
}

/** Field path -> "type[, optional]" for every field below spec and status. */
type Shape = Map<string, string>;

function describeSchema(s: Schema): string {
  if (s['x-kubernetes-int-or-string']) return 'int-or-string';
  if (s.type === 'string' && s.enum) return `enum(${s.enum.map(String).sort().join('|')})`;
  if (s.type === 'array') return 'array';
  return s.type ?? 'untyped';
}

function schemaShape(s: Schema, prefix: string, shape: Shape): Shape {
  const required = new Set(s.required ?? []);
  for (const [name, child] of Object.entries(s.properties ?? {})) {
    const p = `${prefix}.${name}`;
    shape.set(p, describeSchema(child) + (required.has(name) ? '' : ', optional'));
    walkSchemaChild(child, p, shape);
  }
  return shape;
}

function walkSchemaChild(s: Schema, p: string, shape: Shape): void {
  if (s.type === 'object') schemaShape(s, p, shape);
  if (s.type === 'array' && s.items) {
    const items = s.items;
    shape.set(`${p}[]`, describeSchema(items));
    walkSchemaChild(items, `${p}[]`, shape);
  }
}

const program = ts.createProgram([apiFile], {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2023,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  allowImportingTsExtensions: true,
  skipLibCheck: true,
  types: [],
  // Only spec and status are compared; not resolving the client library's
  // declarations (metadata) keeps this test fast.
  noResolve: true,
});
const checker = program.getTypeChecker();

function exportedType(name: string): ts.Type {
  const file = program.getSourceFile(apiFile);
  assert.ok(file, 'v1alpha1.ts not loaded');
  const moduleSymbol = checker.getSymbolAtLocation(file);
  assert.ok(moduleSymbol);
  const symbol = checker.getExportsOfModule(moduleSymbol).find((s) => s.name === name);
  assert.ok(symbol, `v1alpha1.ts exports no ${name}`);
  return checker.getDeclaredTypeOfSymbol(symbol);
}

function describeType(t: ts.Type): string {
  const parts = t.isUnion() ? t.types : [t];
  const flags = parts.map((p) => p.flags);
  const all = (f: ts.TypeFlags) => flags.every((x) => (x & f) !== 0);
  if (all(ts.TypeFlags.BooleanLike)) return 'boolean';
  if (all(ts.TypeFlags.StringLiteral)) {
    return `enum(${parts.map((p) => (p as ts.StringLiteralType).value).sort().join('|')})`;
  }
  if (all(ts.TypeFlags.String)) return 'string';
  if (all(ts.TypeFlags.Number)) return 'integer';
  if (all(ts.TypeFlags.String | ts.TypeFlags.Number) && parts.length === 2) return 'int-or-string';
  if (checker.isArrayType(t)) return 'array';
  if (all(ts.TypeFlags.Object)) return 'object';
  return `unsupported(${checker.typeToString(t)})`;
}

function typeShape(t: ts.Type, prefix: string, shape: Shape): Shape {
  for (const prop of checker.getPropertiesOfType(t)) {
    const p = `${prefix}.${prop.name}`;
    const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
    const propType = checker.getNonNullableType(checker.getTypeOfSymbol(prop));
    shape.set(p, describeType(propType) + (optional ? ', optional' : ''));
    walkTypeChild(propType, p, shape);
  }
  return shape;
}

function walkTypeChild(t: ts.Type, p: string, shape: Shape): void {
  if (checker.isArrayType(t)) {
    const element = checker.getTypeArguments(t as ts.TypeReference)[0];
    assert.ok(element);
    shape.set(`${p}[]`, describeType(element));
    walkTypeChild(element, `${p}[]`, shape);
  } else if (describeType(t) === 'object') {
    typeShape(t, p, shape);
  }
}

function topLevelShape(get: (name: string) => Shape): Shape {
  return new Map([...get('spec'), ...get('status')]);
}

for (const { file, typeName, crd } of crds) {
  test(`the ${typeName} interfaces have exactly the fields, optionality, types and enums of crds/${file}`, () => {
    const schema = schemaOf(crd);
    const fromCrd = topLevelShape((name) => {
      const child = schema.properties?.[name];
      assert.ok(child, `schema has no ${name}`);
      const shape: Shape = new Map([[name, describeSchema(child) + (schema.required?.includes(name) ? '' : ', optional')]]);
      return schemaShape(child, name, shape);
    });
    const tsType = exportedType(typeName);
    const fromTs = topLevelShape((name) => {
      const prop = checker.getPropertyOfType(tsType, name);
      assert.ok(prop, `${typeName} has no ${name}`);
      const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
      const propType = checker.getNonNullableType(checker.getTypeOfSymbol(prop));
      const shape: Shape = new Map([[name, describeType(propType) + (optional ? ', optional' : '')]]);
      return typeShape(propType, name, shape);
    });
    const missingInTs = [...fromCrd.keys()].filter((k) => !fromTs.has(k));
    const missingInCrd = [...fromTs.keys()].filter((k) => !fromCrd.has(k));
    assert.deepEqual({ missingInTs, missingInCrd }, { missingInTs: [], missingInCrd: [] });
    const differing = [...fromCrd].filter(([k, v]) => fromTs.get(k) !== v).map(([k, v]) => `${k}: crd ${v}, ts ${fromTs.get(k)}`);
    assert.deepEqual(differing, []);
    assert.ok(fromCrd.size > 20, `walked only ${fromCrd.size} fields`);
  });

  test(`crds/${file} names the group, version, kind, plural and category the code uses`, () => {
    const names = crds.find((c) => c.file === file)!.names;
    assert.equal(crd.metadata?.name, names.crdName);
    assert.equal(crd.spec.group, GROUP);
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.deepEqual(crd.spec.names.categories, [CATEGORY]);
    assert.equal(crd.spec.names.kind, names.kind);
    assert.equal(crd.spec.names.listKind, names.listKind);
    assert.equal(crd.spec.names.plural, names.plural);
    assert.equal(crd.spec.names.singular, names.singular);
    assert.deepEqual(crd.spec.versions.map((v) => [v.name, v.served, v.storage]), [[VERSION, true, true]]);
    assert.deepEqual(crd.spec.versions[0]?.subresources?.status, {});
  });

  test(`every field of crds/${file} has a description`, () => {
    const undocumented: string[] = [];
    const visit = (s: Schema, p: string) => {
      // The API server forbids anything but name restrictions on metadata.
      if (!s.description?.trim() && p !== '.metadata') undocumented.push(p);
      for (const [name, child] of Object.entries(s.properties ?? {})) visit(child, `${p}.${name}`);
      // The array's own description covers items that are plain values.
      if (s.items?.type === 'object') visit(s.items, `${p}[]`);
    };
    visit(schemaOf(crd), '');
    assert.deepEqual(undocumented, []);
  });

  test(`every printer column of crds/${file} points at a field of its schema`, () => {
    const schema = schemaOf(crd);
    const fields = schemaShape(schema, '', new Map());
    const columns = crd.spec.versions[0]?.additionalPrinterColumns ?? [];
    assert.ok(columns.length >= 4);
    const dangling = columns
      .map((c) => c.jsonPath)
      .filter((p) => p !== '.metadata.creationTimestamp' && !fields.has(p));
    assert.deepEqual(dangling, []);
  });

  test(`every string field of crds/${file} is bounded, so CEL rules stay within the cost budget`, () => {
    const unbounded: string[] = [];
    const visit = (s: Schema, p: string) => {
      if (s.type === 'string' && s.maxLength === undefined && !s.enum && s.format !== 'date-time' && !p.endsWith('.apiVersion') && !p.endsWith('.kind')) {
        unbounded.push(p);
      }
      if (s.type === 'array' && s.maxItems === undefined) unbounded.push(`${p} (array)`);
      for (const [name, child] of Object.entries(s.properties ?? {})) visit(child, `${p}.${name}`);
      if (s.items) visit(s.items, `${p}[]`);
    };
    visit(schemaOf(crd), '');
    assert.deepEqual(unbounded, []);
  });
}

// Built-in short names and resource names of a Kubernetes 1.36 API server
// (`kubectl api-resources`), which a custom short name must not shadow.
const builtInNames = new Set([
  'cs', 'cm', 'ep', 'ev', 'limits', 'ns', 'no', 'pvc', 'pv', 'po', 'rc', 'quota', 'sa', 'svc', 'mwc', 'vwc', 'vap',
  'vapb', 'crd', 'crds', 'apiservice', 'ds', 'deploy', 'rs', 'sts', 'hpa', 'cj', 'job', 'csr', 'lease', 'ews',
  'eps', 'ing', 'ingclass', 'netpol', 'pdb', 'pc', 'sc', 'csidriver', 'csinode', 'va', 'rb', 'crb', 'role',
  'clusterrole', 'events', 'pod', 'pods', 'service', 'services', 'node', 'nodes', 'namespace', 'secret', 'secrets',
  'deployment', 'deployments', 'jobs', 'cronjob', 'cronjobs', 'endpoints', 'all', 'configmap', 'ingress',
  'storageclass', 'daemonset', 'replicaset', 'statefulset', 'serviceaccount', 'priorityclass', 'runtimeclass',
  'flowschema', 'prioritylevelconfiguration', 'ipaddress', 'servicecidr', 'resourceclaim', 'deviceclass',
]);

test('the short names of both kinds collide with no built-in resource name or short name', () => {
  const shortNames = crds.flatMap(({ crd }) => crd.spec.names.shortNames ?? []);
  assert.ok(shortNames.length >= 2);
  assert.deepEqual(shortNames.filter((n) => builtInNames.has(n)), []);
  assert.equal(new Set(shortNames).size, shortNames.length);
});

test('the failedRuns cap of the code matches the CRD', () => {
  const schema = schemaOf(crds[1]!.crd);
  assert.equal(schema.properties?.status?.properties?.failedRuns?.maxItems, MAX_FAILED_RUNS);
});

const sampleDir = path.join(root, 'crds/samples');
const samples = readdirSync(sampleDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ file: f, objects: loadAllYaml(readFileSync(path.join(sampleDir, f), 'utf8')) as Record<string, unknown>[] }));

test('there are samples of both kinds', () => {
  const kinds = new Set(samples.flatMap((s) => s.objects.map((o) => o.kind)));
  assert.deepEqual([...kinds].sort(), [INET_BUILD.kind, SIMULATION_CAMPAIGN.kind]);
  assert.ok(samples.length >= 4);
});

for (const { file, objects } of samples) {
  test(`sample ${file} uses only fields that the schema declares`, () => {
    for (const object of objects) {
      assert.equal(object.apiVersion, API_VERSION);
      const entry = crds.find((c) => c.names.kind === object.kind);
      assert.ok(entry, `unknown kind ${String(object.kind)}`);
      const fields = schemaShape(schemaOf(entry.crd), '', new Map());
      const unknown: string[] = [];
      const visit = (value: unknown, p: string) => {
        if (Array.isArray(value)) value.forEach((v) => visit(v, `${p}[]`));
        else if (value !== null && typeof value === 'object') {
          for (const [k, v] of Object.entries(value)) {
            const child = `${p}.${k}`;
            if (!fields.has(child)) unknown.push(child);
            else if (fields.get(child)?.startsWith('int-or-string') !== true) visit(v, child);
          }
        }
      };
      visit(object.spec, '.spec');
      assert.deepEqual(unknown, []);
    }
  });
}

test('progressText shows finished runs out of all runs', () => {
  const table: [Parameters<typeof progressText>[0], string][] = [
    [{}, '0/0'],
    [{ total: 500 }, '0/500'],
    [{ total: 500, succeeded: 100, failed: 20, running: 8, pending: 372 }, '120/500'],
    [{ total: 3, succeeded: 3 }, '3/3'],
  ];
  for (const [runs, expected] of table) assert.equal(progressText(runs), expected);
});

test('docs/api.md documents every spec and status field of both CRDs', () => {
  const docs = readFileSync(path.join(root, 'docs/api.md'), 'utf8');
  const undocumented = crds.flatMap(({ crd }) =>
    [...schemaShape(schemaOf(crd), '', new Map()).keys()]
      .map((p) => p.slice(1))
      .filter((p) => /^(spec|status)\./.test(p) && !p.endsWith('[]') && !p.includes('.conditions[]'))
      .filter((p) => !docs.includes(`\`${p}\``)),
  );
  assert.deepEqual(undocumented, []);
});

/**
 * The values the API server's defaulting puts into an object that sets none
 * of the fields: a field's own default, or for an object the defaults of its
 * fields (an object default of `{}` only makes room for those).
 */
function defaultsOf(s: Schema): unknown {
  const nested = Object.entries(s.properties ?? {})
    .map(([name, child]) => [name, defaultsOf(child)] as const)
    .filter(([, v]) => v !== undefined);
  if (nested.length > 0) return Object.fromEntries(nested);
  const isEmptyObject = typeof s.default === 'object' && s.default !== null && Object.keys(s.default).length === 0;
  return isEmptyObject ? undefined : s.default;
}

test('the spec defaults exported for code equal the defaults in the CRDs', () => {
  const [build, campaign] = crds.map(({ crd }) => defaultsOf(schemaOf(crd).properties!.spec!));
  assert.deepEqual(build, INET_BUILD_SPEC_DEFAULTS);
  assert.deepEqual(campaign, CAMPAIGN_SPEC_DEFAULTS);
});
