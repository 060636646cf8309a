// The chart rendered for tests: `helm template` with --set values, each
// manifest turned into a plain object by kubectl (client-side dry run, so
// nothing is defaulted; client-node's YAML loader would make typed models of
// them and rename fields such as `from`), and lookups by kind and name.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runHelm, type HelmResult } from '../stack/helm.ts';
import type { StackInfo } from '../stack/types.ts';
import { REPO_ROOT } from './campaign.ts';

export const CHART = join(REPO_ROOT, 'charts/inet-swarm');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: any };

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** kubectl of the stack, with `input` on its stdin. */
export function stackKubectl(stack: StackInfo): (args: string[], input?: string) => Promise<Run> {
  return (args, input) =>
    new Promise((resolve) => {
      const child = spawn(stack.k8sBinary, ['kubectl', '--kubeconfig', stack.kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(input ?? '');
    });
}

export function sets(values: Record<string, string>): string[] {
  return Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
}

export interface ChartRenderer {
  kubectl(args: string[], input?: string): Promise<Run>;
  template(values: Record<string, string>): Promise<HelmResult>;
  /** Renders and returns the manifests as plain objects. */
  render(values: Record<string, string>): Promise<Doc[]>;
}

export function chartRenderer(stack: StackInfo, helm: string, release: string, namespace: string): ChartRenderer {
  const kubectl = stackKubectl(stack);
  const template = (values: Record<string, string>): Promise<HelmResult> => runHelm(helm, ['template', release, CHART, '--namespace', namespace, ...sets(values)]);
  const render = async (values: Record<string, string>): Promise<Doc[]> => {
    const result = await template(values);
    assert.equal(result.code, 0, `helm template failed: ${result.stderr}`);
    const json = await kubectl(['create', '--dry-run=client', '-o', 'json', '-f', '-'], result.stdout);
    assert.equal(json.code, 0, json.stderr);
    // One pretty-printed JSON document per object, each closing with a `}` in column 0.
    return json.stdout
      .split(/^\}$/m)
      .map((chunk) => chunk.trim())
      .filter(Boolean)
      .map((chunk) => JSON.parse(`${chunk}}`) as Doc);
  };
  return { kubectl, template, render };
}

export function find(docs: Doc[], kind: string, name: string, ns?: string): Doc {
  const found = docs.find((d) => d.kind === kind && d.metadata.name === name && (ns === undefined || d.metadata.namespace === ns));
  assert.ok(found, `no ${kind} ${ns ? `${ns}/` : ''}${name} among ${docs.map((d) => `${d.kind}/${d.metadata.name}`).join(', ')}`);
  return found;
}

export function kinds(docs: Doc[], kind: string): Doc[] {
  return docs.filter((d) => d.kind === kind);
}
