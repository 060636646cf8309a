// Status strings clipped to the CRDs' limits: the tables in api/status-limits.ts
// list exactly the status strings the CRDs limit, clipping keeps each within
// its limit (counted in code points, as the API server counts), and the
// controllers' decisions come out clipped.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadYaml, type V1CustomResourceDefinition, type V1JSONSchemaProps } from '@kubernetes/client-node';
import { BUILD_STATUS_LIMITS, CAMPAIGN_STATUS_LIMITS, type StringLimit } from '../../api/status-limits.ts';
import { clipText, clipToLimits } from '../../lib/kube/clip.ts';
import { decideBuild } from '../../operator/controllers/inetbuild/decide.ts';
import { buildSettings } from '../support/build-settings.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Every status string with a maxLength in a CRD, as `path maxLength`. */
function limitedStatusStrings(file: string): string[] {
  const crd = loadYaml<V1CustomResourceDefinition>(readFileSync(path.join(root, 'crds', file), 'utf8'));
  const status = crd.spec.versions[0]?.schema?.openAPIV3Schema?.properties?.status;
  const found: string[] = [];
  const walk = (node: V1JSONSchemaProps | undefined, at: string): void => {
    if (!node) return;
    if (node.type === 'string' && node.maxLength !== undefined) found.push(`${at} ${node.maxLength}`);
    for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, at ? `${at}.${key}` : key);
    if (node.type === 'array') walk(node.items as V1JSONSchemaProps, `${at}[]`);
  };
  walk(status, '');
  return found.sort();
}

const listed = (limits: readonly StringLimit[]) => limits.map((l) => `${l.path} ${l.maxLength}`).sort();

/** A status holding, at every limited path, a string one character too long. */
function overlong(limits: readonly StringLimit[]): Record<string, unknown> {
  const status: Record<string, unknown> = {};
  for (const { path: at, maxLength } of limits) {
    let node: Record<string, unknown> = status;
    const steps = at.split('.');
    steps.forEach((step, i) => {
      const last = i === steps.length - 1;
      const key = step.replace(/\[\]$/, '');
      if (step.endsWith('[]')) {
        const list = (node[key] ??= [{}, {}]) as Record<string, unknown>[];
        node = list[0]!;
        if (last) throw new Error('a list of strings is not a case here');
        return;
      }
      if (last) node[key] = 'x'.repeat(maxLength) + '😀';
      else node = (node[key] ??= {}) as Record<string, unknown>;
    });
  }
  return status;
}

function stringsAt(value: unknown, steps: string[]): string[] {
  if (steps.length === 0) return typeof value === 'string' ? [value] : [];
  const [step, ...rest] = steps as [string, ...string[]];
  const child = (value as Record<string, unknown> | undefined)?.[step.replace(/\[\]$/, '')];
  return step.endsWith('[]') ? ((child as unknown[] | undefined) ?? []).flatMap((item) => stringsAt(item, rest)) : stringsAt(child, rest);
}

describe('the status limits', () => {
  it('list exactly the InetBuild status strings the CRD limits', () => {
    assert.deepEqual(listed(BUILD_STATUS_LIMITS), limitedStatusStrings('inetbuilds.yaml'));
  });

  it('list exactly the SimulationCampaign status strings the CRD limits', () => {
    assert.deepEqual(listed(CAMPAIGN_STATUS_LIMITS), limitedStatusStrings('simulationcampaigns.yaml'));
  });

  for (const [kind, limits] of [['InetBuild', BUILD_STATUS_LIMITS], ['SimulationCampaign', CAMPAIGN_STATUS_LIMITS]] as const) {
    it(`bring every overlong ${kind} status string within its limit, in every list item`, () => {
      const clipped = clipToLimits(overlong(limits), limits);
      for (const { path: at, maxLength } of limits) {
        const values = stringsAt(clipped, at.split('.'));
        assert.ok(values.length > 0, `${at} is in the clipped status`);
        for (const value of values) assert.ok(Array.from(value).length <= maxLength, `${at}: ${Array.from(value).length} > ${maxLength}`);
      }
    });
  }
});

describe('clipText', () => {
  it('leaves a text within the limit as it is', () => {
    assert.equal(clipText('short', 5, 'start'), 'short');
  });

  it('keeps the start of a message and ends it with an ellipsis', () => {
    assert.equal(clipText('abcdefgh', 5, 'start'), 'abcd…');
  });

  it('counts code points, not UTF-16 units, and never splits one', () => {
    const clipped = clipText('😀'.repeat(10), 4, 'start');
    assert.equal(clipped, '😀😀😀…');
    assert.equal(Array.from(clipped).length, 4);
  });

  it('keeps the last lines of a log, from the start of a line', () => {
    const log = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const clipped = clipText(log, 60, 'end');
    assert.ok(Array.from(clipped).length <= 60);
    assert.ok(clipped.endsWith('line 99'));
    assert.match(clipped, /^…line \d+\n/);
  });
});

describe('the InetBuild decision', () => {

  it('writes a failure whose log is longer than the CRD allows with its last lines, within the limit', () => {
    const logTail = Array.from({ length: 8000 }, (_, i) => `g++: error ${i}: a long compiler message`).join('\n');
    assert.ok(logTail.length > 65_536);
    const now = new Date('2026-01-01T12:00:00Z');
    const decision = decideBuild({
      build: {
        apiVersion: 'inetswarm.dev/v1alpha1',
        kind: 'InetBuild',
        metadata: { name: 'b', namespace: 'team', uid: 'u', generation: 1 },
        spec: { source: { repository: 'https://example.org/m.git', revision: 'b'.repeat(40) } },
      },
      job: undefined,
      pods: [],
      record: { _id: 'u', name: 'b', namespace: 'team', phase: 'Failed', startedAt: now, failure: { reason: 'CompileFailed', message: 'make failed', logTail } },
      now,
      settings: buildSettings(),
      storeUri: 'mongodb://tenant-team:pw@mongo:27017/inetswarm_team?authSource=inetswarm_team',
    });
    const tail = decision.status?.failure?.logTail ?? '';
    assert.ok(tail.length <= 65_536 && tail.length > 60_000, `${tail.length}`);
    assert.ok(tail.endsWith('g++: error 7999: a long compiler message'));
  });
});
