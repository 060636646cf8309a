// The results service's API (`results.inetswarm.dev/v1alpha1`): the paths and
// the JSON documents it answers with, shared by the service (service/), the
// CLI and the dashboard. Served as an aggregated API, so every path is under
// RESULTS_API_PATH on the cluster's API server and a user reaches it with
// their own kubeconfig; service/api/openapi.ts describes the same documents
// for other clients.
import type { CampaignPhase } from './v1alpha1.ts';

export const RESULTS_GROUP = 'results.inetswarm.dev';
export const RESULTS_VERSION = 'v1alpha1';
/** The prefix of every path of the API, on the API server and in the service. */
export const RESULTS_API_PATH = `/apis/${RESULTS_GROUP}/${RESULTS_VERSION}`;

/**
 * The API's resources: a campaign's results and a build's record. Named apart
 * from the CRDs' `simulationcampaigns` and `inetbuilds`, so that kubectl never
 * takes one for the other; who may read them is decided by the CRDs' RBAC.
 */
export const CAMPAIGNS_RESOURCE = 'campaigns';
export const BUILDS_RESOURCE = 'builds';

/** Path of a namespace's campaign, or of one of its parts (`runs`, `failures`, `proxy`, `archive`, ...). */
export function campaignPath(namespace: string, name: string, ...parts: Array<string | number>): string {
  const tail = parts.map((p) => `/${encodeURIComponent(String(p))}`).join('');
  return `${RESULTS_API_PATH}/namespaces/${encodeURIComponent(namespace)}/${CAMPAIGNS_RESOURCE}/${encodeURIComponent(name)}${tail}`;
}

/** A campaign as the service shows it: the resource's status, or the store's record of a deleted campaign. */
export interface CampaignSummary {
  namespace: string;
  name: string;
  /** The uids whose runs make up the campaign's results, oldest first (a rerun lists those it completes). */
  sources: string[];
  /** Absent for a campaign that is deleted but whose results are stored. */
  phase?: CampaignPhase;
  build?: string;
  config?: string;
  created?: string;
  runs: { total?: number; succeeded: number; failed: number; running: number; pending: number };
  /** ISO time the campaign is expected to finish, when the operator estimated it. */
  eta?: string;
  /** True when the resource no longer exists and only stored results remain. */
  deleted: boolean;
}

export interface CampaignList {
  items: CampaignSummary[];
}

/** One run in the runs table. */
export interface RunRow {
  run: number;
  status: string;
  attempts: number;
  elapsedMs?: number;
  runnerPod?: string;
  errorLine?: string;
  iterationVars?: Record<string, string>;
  repetition?: number;
  finishedAt?: string;
}

/**
 * A page of runs, in run-number order. Paging is by key (`after`/`before` a run
 * number), never by offset, so the last page of 1,000,000 runs costs what the
 * first does.
 */
export interface RunPage {
  items: RunRow[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: number;
  /** Pass as `before` for the previous page; absent on the first page. */
  prev?: number;
}

export interface RunAttempt {
  attempt: number;
  runnerPod: string;
  reason: string;
  exitCode: number | null;
  signal: string | null;
  errorLine?: string;
  elapsedMs: number;
  finishedAt: string;
}

/** One run with its attempts and output. */
export interface RunDetail extends RunRow {
  campaignUid: string;
  message?: string;
  command?: string;
  attemptHistory: RunAttempt[];
  outputTail?: string;
  /** The end of its `.out` file, when the campaign stores them. */
  outTail?: string;
  files: Array<{ name: string; size: number }>;
}

/** Failed runs whose error lines differ only in numbers (run number, event number, time, module id). */
export interface FailureGroup {
  /** The error line with every number written `#`: what the group's runs share. */
  pattern: string;
  /** The error line of the group's first run. */
  errorLine: string;
  count: number;
  /** The first failed runs of the group, by run number. */
  runs: number[];
}

export interface FailureList {
  items: FailureGroup[];
}

/** Runs finished per minute, for the throughput chart. */
export interface Throughput {
  /** Minute starts (ISO) and the runs that finished in each. */
  points: Array<{ minute: string; runs: number }>;
}

/** One scalar across runs, against one iteration variable, for the plot. */
export interface ScalarPlot {
  module: string;
  name: string;
  itervar: string;
  points: Array<{ x: string; value: number; run: number }>;
}

export interface BuildSummary {
  namespace: string;
  name: string;
  phase?: string;
  repository?: string;
  revision?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  logTail?: string;
}

export interface BuildList {
  items: BuildSummary[];
}

/** The status document of an error, as the Kubernetes API writes it. */
export interface ApiStatus {
  kind: 'Status';
  apiVersion: 'v1';
  status: 'Failure';
  message: string;
  reason: string;
  code: number;
}

/**
 * The archive's response header naming the result files it leaves out because
 * the store no longer holds them (the others are served): their count, then
 * as many `<run>/<name>` items (URI-encoded, comma-separated) as fit in a
 * header that proxies pass.
 */
export const MISSING_FILES_HEADER = 'inet-swarm-missing-files';

const MISSING_HEADER_ITEMS_CHARS = 4000;

export function missingFilesHeader(files: ReadonlyArray<{ run: number; name: string }>): string {
  const items: string[] = [];
  let length = 0;
  for (const f of files) {
    const item = encodeURIComponent(`${f.run}/${f.name}`);
    if (length + item.length + 1 > MISSING_HEADER_ITEMS_CHARS) break;
    items.push(item);
    length += item.length + 1;
  }
  return items.length > 0 ? `${files.length} ${items.join(',')}` : String(files.length);
}

/** The header read back: how many files are missing and those it names (a malformed or absent header: none). */
export function parseMissingFiles(value: string | undefined): { count: number; files: Array<{ run: number; name: string }> } {
  const [head = '', list = ''] = (value ?? '').trim().split(' ', 2);
  const count = Number(head);
  if (!Number.isInteger(count) || count <= 0) return { count: 0, files: [] };
  const files = list
    .split(',')
    .filter((item) => item !== '')
    .map((item) => decodeURIComponent(item))
    .map((text) => ({ run: Number(text.slice(0, text.indexOf('/'))), name: text.slice(text.indexOf('/') + 1) }))
    .filter((f) => Number.isInteger(f.run) && f.name !== '');
  return { count, files };
}
