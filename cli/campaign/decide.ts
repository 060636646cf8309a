// Pure decisions and text of the cluster-side commands: which runs a rerun
// needs, which campaign's result wins a run, how a table or a status reads,
// where a MongoDB URI points inside the cluster. No I/O here (lint rule).
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { isTerminalCampaignPhase } from '../../api/phases.ts';
import { formatDuration } from '../options.ts';

/** Annotation of a rerun campaign: the uids of the campaigns whose results it completes, oldest first. */
export const MERGE_ANNOTATION = 'inetswarm.dev/merge-results-of';
/** Annotation of a rerun campaign: the name of the campaign it reruns. */
export const RERUN_OF_ANNOTATION = 'inetswarm.dev/rerun-of';

export function isFinished(campaign: SimulationCampaign): boolean {
  return isTerminalCampaignPhase(campaign.status?.phase);
}

/** The `file <size> <mtime>` line that starts a `.vci`: the size and mtime (seconds) of its `.vec`. */
export function parseVciHeader(text: string): { size: number; mtime: number } | undefined {
  const match = /^file\s+(\d+)\s+(\d+)\s*$/m.exec(text.split('\n', 1)[0] ?? '');
  if (!match) return undefined;
  return { size: Number(match[1]), mtime: Number(match[2]) };
}

/** Run numbers as an opp_run `-r` list, ranges collapsed: [1,2,3,7] -> `1..3,7`. */
export function compressRuns(runs: readonly number[]): string {
  const sorted = [...new Set(runs)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j += 1;
    const first = sorted[i] ?? 0;
    const last = sorted[j] ?? 0;
    parts.push(first === last ? `${first}` : last === first + 1 ? `${first},${last}` : `${first}..${last}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Run numbers selected by a plain list filter (`0..3,7`, `1-5`); undefined for expressions. */
export function expandRunList(filter: string): number[] | undefined {
  const text = filter.trim();
  if (!/^\d+(\s*(\.\.|-)\s*\d+)?(\s*,\s*\d+(\s*(\.\.|-)\s*\d+)?)*$/.test(text)) return undefined;
  const runs: number[] = [];
  for (const part of text.split(',')) {
    const [a, b] = part.split(/\.\.|-/).map((s) => Number(s.trim()));
    for (let r = a ?? 0; r <= (b ?? a ?? 0); r += 1) runs.push(r);
  }
  return [...new Set(runs)].sort((x, y) => x - y);
}

/**
 * The runs a `rerun --failed` needs: every run of the campaign that has no
 * stored success. The planned run numbers are known without OMNeT++ when the
 * campaign ran all runs of its config (0..total-1, OMNeT++ numbers them so) or
 * a list of run numbers; with an expression filter, only runs that left a
 * record (failed, or started and lost) can be named.
 */
export function runsToRerun(input: {
  total: number | undefined;
  runFilter: string | undefined;
  succeeded: readonly number[];
  recorded: readonly number[];
}): { runs: number[]; complete: boolean } {
  const ok = new Set(input.succeeded);
  let planned: number[] | undefined;
  if (input.runFilter === undefined || input.runFilter.trim() === '') {
    planned = input.total === undefined ? undefined : Array.from({ length: input.total }, (_, i) => i);
  } else {
    planned = expandRunList(input.runFilter);
  }
  const candidates = planned ?? [...new Set(input.recorded)];
  return { runs: candidates.filter((r) => !ok.has(r)).sort((a, b) => a - b), complete: planned !== undefined };
}

/**
 * Which campaign's stored success provides each run, when a rerun completes
 * earlier campaigns: `sources` oldest first, the latest success wins.
 */
export function pickRunSources(sources: ReadonlyArray<{ uid: string; succeeded: readonly number[] }>): Map<number, string> {
  const chosen = new Map<number, string>();
  for (const source of sources) for (const run of source.succeeded) chosen.set(run, source.uid);
  return chosen;
}

/** A name for the rerun of `original` (at most 47 characters, like campaign names). */
export function rerunName(original: string, now: Date): string {
  const stamp = now.toISOString().slice(11, 19).replace(/:/g, '');
  const base = original.replace(/-rerun-\d{6}$/, '').slice(0, 33).replace(/-+$/, '');
  return `${base}-rerun-${stamp}`;
}

/** One CSV field, quoted when it must be (RFC 4180). */
export function csvField(value: string | number): string {
  const text = typeof value === 'number' ? String(value) : value;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: ReadonlyArray<string | number>): string {
  return `${values.map(csvField).join(',')}\n`;
}

/** The scalar export's columns: run, the iteration variables (sorted), then module, name, value. */
export function scalarColumns(iterationVars: readonly string[]): string[] {
  return ['run', ...[...iterationVars].sort(), 'module', 'name', 'value'];
}

/** Age as kubectl prints it: 45s, 12m, 5h, 3d. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** A row of `list`. */
export interface CampaignRow {
  namespace: string;
  name: string;
  phase: string;
  done: string;
  failed: number;
  build: string;
  age: string;
}

/** Creation time in ms (the API sends a string, the client's type says Date). */
export function createdMs(c: SimulationCampaign): number {
  const t = c.metadata.creationTimestamp;
  return t ? new Date(t as unknown as string).getTime() : Number.NaN;
}

export function campaignRow(c: SimulationCampaign, now: Date): CampaignRow {
  const runs = c.status?.runs ?? {};
  const created = createdMs(c);
  return {
    namespace: c.metadata.namespace ?? '',
    name: c.metadata.name ?? '',
    phase: c.status?.phase ?? 'Pending',
    done: `${(runs.succeeded ?? 0) + (runs.failed ?? 0)}/${runs.total ?? '?'}`,
    failed: runs.failed ?? 0,
    build: c.spec.buildRef.name,
    age: formatAge(now.getTime() - created),
  };
}

/** Columns padded to their widest cell, like kubectl get. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

/** The `list` table; a NAMESPACE column with `allNamespaces`. */
export function formatCampaignList(rows: readonly CampaignRow[], allNamespaces: boolean): string {
  const header = [...(allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'PHASE', 'DONE', 'FAILED', 'BUILD', 'AGE'];
  const cells = rows.map((r) => [...(allNamespaces ? [r.namespace] : []), r.name, r.phase, r.done, String(r.failed), r.build, r.age]);
  return formatTable(header, cells);
}

/** What `status` shows of a campaign, as data (printed as text, or as JSON with --json). */
export interface CampaignStatusView {
  namespace: string;
  name: string;
  uid: string;
  config: string;
  build: string;
  phase: string;
  total: number | undefined;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  runners: number;
  startTime?: string | undefined;
  completionTime?: string | undefined;
  estimatedCompletionTime?: string | undefined;
  /** The reason of the latest False/True condition that explains a stop (build failure, unknown config). */
  message?: string | undefined;
  failedRuns: Array<{ run: number; exitCode?: number | undefined; reason: string; message?: string | undefined }>;
}

export function statusView(c: SimulationCampaign): CampaignStatusView {
  const s = c.status ?? {};
  const runs = s.runs ?? {};
  const failedCondition = s.conditions?.find((x) => x.type === 'Failed' && x.status === 'True');
  const waiting = s.conditions?.find((x) => (x.type === 'BuildReady' || x.type === 'Planned') && x.status === 'False');
  return {
    namespace: c.metadata.namespace ?? '',
    name: c.metadata.name ?? '',
    uid: c.metadata.uid ?? '',
    config: c.spec.config,
    build: c.spec.buildRef.name,
    phase: s.phase ?? 'Pending',
    total: runs.total,
    pending: runs.pending ?? 0,
    running: runs.running ?? 0,
    succeeded: runs.succeeded ?? 0,
    failed: runs.failed ?? 0,
    runners: s.runners ?? 0,
    startTime: s.startTime,
    completionTime: s.completionTime,
    estimatedCompletionTime: s.estimatedCompletionTime,
    message: failedCondition?.message || waiting?.message || undefined,
    failedRuns: (s.failedRuns ?? []).map((f) => ({ run: f.run, exitCode: f.exitCode, reason: f.reason, message: f.message })),
  };
}

/** The text of `status`. */
export function formatStatus(v: CampaignStatusView, now: Date): string {
  const lines = [
    `Campaign:  ${v.namespace}/${v.name}`,
    `Config:    ${v.config}   Build: ${v.build}`,
    `Phase:     ${v.phase}${v.message ? ` (${v.message})` : ''}`,
    `Runs:      ${v.succeeded + v.failed}/${v.total ?? '?'} done, ${v.succeeded} succeeded, ${v.failed} failed, ` +
      `${v.running} running, ${v.pending} pending; ${v.runners} runner pod(s)`,
  ];
  if (v.startTime) {
    const end = v.completionTime ? new Date(v.completionTime) : now;
    lines.push(`Elapsed:   ${formatDuration(end.getTime() - new Date(v.startTime).getTime())}`);
  }
  if (!v.completionTime && v.estimatedCompletionTime) {
    lines.push(`ETA:       ${formatDuration(new Date(v.estimatedCompletionTime).getTime() - now.getTime())} (${v.estimatedCompletionTime})`);
  }
  if (v.failedRuns.length > 0) {
    lines.push(`Failed runs${v.failed > v.failedRuns.length ? ` (first ${v.failedRuns.length} of ${v.failed})` : ''}:`);
    for (const f of v.failedRuns) {
      lines.push(`  run ${f.run}: ${f.reason}, exit code ${f.exitCode ?? '-'}${f.message ? `: ${f.message}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One plain progress line of a campaign, for watching without a TTY. */
export function progressLine(v: CampaignStatusView): string {
  return (
    `${v.phase}: ${v.succeeded + v.failed}/${v.total ?? '?'} done, ${v.failed} failed, ${v.running} running` +
    (v.message ? ` (${v.message})` : '')
  );
}

/** Where a MongoDB URI points, when it names a Service inside the cluster (`svc`, `svc.ns`, `svc.ns.svc[.cluster.local]`). */
export function clusterServiceOf(uri: string, defaultNamespace: string): { service: string; namespace: string; port: number } | undefined {
  const match = /^mongodb:\/\/(?:[^@/]*@)?([^/?,]+)(?:[/?]|$)/.exec(uri);
  if (!match) return undefined;
  const [host = '', portText] = (match[1] ?? '').split(':');
  const port = portText ? Number(portText) : 27017;
  const labels = host.split('.');
  if (/^\d+$/.test(labels[labels.length - 1] ?? '') || host === 'localhost') return undefined;
  if (labels.length === 1) return { service: host, namespace: defaultNamespace, port };
  if (labels.length === 2) return { service: labels[0] ?? '', namespace: labels[1] ?? '', port };
  if (labels[2] === 'svc') return { service: labels[0] ?? '', namespace: labels[1] ?? '', port };
  return undefined;
}

/** The URI with its single host replaced by `127.0.0.1:<port>` and a direct connection (no replica-set discovery). */
export function localUri(uri: string, port: number): string {
  const replaced = uri.replace(/^(mongodb:\/\/(?:[^@/]*@)?)[^/?]+/, `$1127.0.0.1:${port}`);
  const [base = '', query] = replaced.split('?');
  const params = new URLSearchParams(query ?? '');
  params.set('directConnection', 'true');
  params.delete('replicaSet');
  return `${base.includes('/', 'mongodb://'.length) ? base : `${base}/`}?${params.toString()}`;
}
