// The OpenAPI 3.0 description of the API, made from the route table (every
// route is described, no description without a route) and schemas of the
// documents in api/results.ts. A test checks the served document against the
// answers of a running service. Pure.
import { RESULTS_API_PATH, RESULTS_GROUP, RESULTS_VERSION } from '../../api/results.ts';
import { ROUTES, type Route, type RouteName } from '../http/routes.ts';

type Schema = Record<string, unknown>;

const str = { type: 'string' };
const int = { type: 'integer' };
const num = { type: 'number' };
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const obj = (properties: Record<string, Schema>, required: string[] = []): Schema => ({ type: 'object', properties, ...(required.length ? { required } : {}) });
const list = (item: string): Schema => obj({ items: { type: 'array', items: ref(item) } }, ['items']);
const stringMap = { type: 'object', additionalProperties: str };

const runRow = {
  run: int,
  status: str,
  attempts: int,
  elapsedMs: int,
  runnerPod: str,
  errorLine: str,
  iterationVars: stringMap,
  repetition: int,
  finishedAt: { type: 'string', format: 'date-time' },
};

export const SCHEMAS: Record<string, Schema> = {
  CampaignSummary: obj(
    {
      namespace: str,
      name: str,
      sources: { type: 'array', items: str },
      phase: str,
      build: str,
      config: str,
      created: { type: 'string', format: 'date-time' },
      runs: obj({ total: int, succeeded: int, failed: int, running: int, pending: int }, ['succeeded', 'failed', 'running', 'pending']),
      eta: { type: 'string', format: 'date-time' },
      deleted: { type: 'boolean' },
    },
    ['namespace', 'name', 'sources', 'runs', 'deleted'],
  ),
  CampaignList: list('CampaignSummary'),
  RunRow: obj(runRow, ['run', 'status', 'attempts']),
  RunPage: obj({ items: { type: 'array', items: ref('RunRow') }, next: int, prev: int }, ['items']),
  RunDetail: obj(
    {
      ...runRow,
      campaignUid: str,
      message: str,
      command: str,
      outputTail: str,
      outTail: str,
      attemptHistory: { type: 'array', items: obj({ attempt: int, runnerPod: str, reason: str, exitCode: { ...int, nullable: true }, signal: { ...str, nullable: true }, errorLine: str, elapsedMs: int, finishedAt: str }) },
      files: { type: 'array', items: obj({ name: str, size: int }, ['name', 'size']) },
    },
    ['run', 'status', 'attempts', 'campaignUid', 'attemptHistory', 'files'],
  ),
  FailureGroup: obj({ pattern: str, errorLine: str, count: int, runs: { type: 'array', items: int } }, ['pattern', 'errorLine', 'count', 'runs']),
  FailureList: list('FailureGroup'),
  Throughput: obj({ points: { type: 'array', items: obj({ minute: str, runs: int }, ['minute', 'runs']) } }, ['points']),
  ScalarPlot: obj({ module: str, name: str, itervar: str, points: { type: 'array', items: obj({ x: str, value: num, run: int }, ['x', 'value', 'run']) } }, [
    'module',
    'name',
    'itervar',
    'points',
  ]),
  BuildSummary: obj({ namespace: str, name: str, phase: str, repository: str, revision: str, message: str, startedAt: str, finishedAt: str, logTail: str }, ['namespace', 'name']),
  BuildList: list('BuildSummary'),
  Status: obj({ kind: str, apiVersion: str, status: str, message: str, reason: str, code: int }, ['kind', 'status', 'message', 'reason', 'code']),
  Discovery: obj({ kind: str, groupVersion: str, resources: { type: 'array', items: { type: 'object' } } }, ['kind', 'groupVersion', 'resources']),
  OpenApi: { type: 'object' },
};

/** The schema of each JSON route's answer. */
export const JSON_SCHEMA_OF: Partial<Record<RouteName, string>> = {
  discovery: 'Discovery',
  openapi: 'OpenApi',
  allCampaigns: 'CampaignList',
  campaigns: 'CampaignList',
  campaign: 'CampaignSummary',
  runs: 'RunPage',
  run: 'RunDetail',
  failures: 'FailureList',
  throughput: 'Throughput',
  scalarPlot: 'ScalarPlot',
  allBuilds: 'BuildList',
  builds: 'BuildList',
  build: 'BuildSummary',
};

const CONTENT: Record<Route['body'], string> = {
  json: 'application/json',
  sse: 'text/event-stream',
  csv: 'text/csv',
  tar: 'application/x-tar',
  bytes: 'application/octet-stream',
  html: 'text/html',
};

/** `namespaces/:namespace/campaigns/:name` -> `/apis/.../namespaces/{namespace}/campaigns/{name}`. */
export function openApiPath(route: Route): string {
  const tail = route.path
    .split('/')
    .filter(Boolean)
    .map((s) => (s.startsWith(':') || s.startsWith('*') ? `{${s.slice(1)}}` : s))
    .join('/');
  return tail ? `${RESULTS_API_PATH}/${tail}` : RESULTS_API_PATH;
}

function operation(route: Route): Schema {
  const params = route.path
    .split('/')
    .filter((s) => s.startsWith(':') || s.startsWith('*'))
    .map((s) => ({ name: s.slice(1), in: 'path', required: true, schema: str }));
  const query = Object.entries(route.query ?? {}).map(([name, description]) => ({ name, in: 'query', required: false, description, schema: str }));
  const schemaName = JSON_SCHEMA_OF[route.name];
  const content = { [CONTENT[route.body]]: { schema: schemaName ? ref(schemaName) : { type: 'string', ...(route.body === 'json' ? {} : { format: 'binary' }) } } };
  const ranged = route.body === 'tar' || route.body === 'bytes';
  return {
    get: {
      operationId: route.name,
      summary: route.summary,
      parameters: [...params, ...query, ...(ranged ? [{ name: 'Range', in: 'header', required: false, description: 'bytes=N- resumes a broken download', schema: str }] : [])],
      responses: {
        '200': { description: 'OK', content },
        ...(ranged ? { '206': { description: 'The requested range', content } } : {}),
        '400': { description: 'A bad parameter', content: { 'application/json': { schema: ref('Status') } } },
        '403': { description: 'The caller may not read the namespace', content: { 'application/json': { schema: ref('Status') } } },
        '404': { description: 'No such campaign, run, build or file', content: { 'application/json': { schema: ref('Status') } } },
      },
    },
  };
}

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: { title: `inet-swarm results API (${RESULTS_GROUP}/${RESULTS_VERSION})`, version: RESULTS_VERSION },
    paths: Object.fromEntries(ROUTES.map((route) => [openApiPath(route), operation(route)])),
    components: { schemas: SCHEMAS },
  };
}
