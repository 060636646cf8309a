// Results service benchmark (issue 14, item 5): the runs table of a
// 100,000-run campaign, first page and last page, through the real API server
// and the real service, side by side with the same query straight to the
// store (what the CLI did with database credentials). Prints p50 and p90 per
// page and the ratio; asserts nothing.
//
//   npx tsx test/bench/results-api.ts [--runs 100000] [--samples 20]
//
// Uses the shared stack when INETSWARM_STACK names one, else starts one. The
// runs are inserted as the store holds them (succeeded, with iteration
// variables), with a campaign resource of the same uid so the service finds it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { MongoClient } from 'mongodb';
import { campaignPath } from '../../api/results.ts';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { recordPlan } from '../../lib/store/campaigns.ts';
import { ensureIndexes, runsOf, type RunDoc } from '../../lib/store/store.ts';
import { runPage } from '../../service/data/runs.ts';
import { useStack } from '../stack/env.ts';
import { getAs, startResultsService } from '../support/results-service.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '100000' }, samples: { type: 'string', default: '20' } } });
const RUNS = Number(values.runs);
const SAMPLES = Number(values.samples);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function timed(what: () => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = process.hrtime.bigint();
    await what();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return ms.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const stack = await useStack();
  const kc = new KubeConfig();
  kc.loadFromFile(stack.kubeconfig);
  const namespace = `bench-results-${Date.now().toString(36)}`;
  const database = namespace.replaceAll('-', '_');
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  const custom = kc.makeApiClient(CustomObjectsApi);
  const cr = (await custom.createNamespacedCustomObject({
    group: 'inetswarm.dev',
    version: 'v1alpha1',
    namespace,
    plural: 'simulationcampaigns',
    body: { apiVersion: 'inetswarm.dev/v1alpha1', kind: 'SimulationCampaign', metadata: { name: 'big' }, spec: { buildRef: { name: 'b' }, config: 'General' } },
  })) as SimulationCampaign;
  const uid = cr.metadata.uid ?? '';
  const mongo = await new MongoClient(stack.mongo.uri).connect();
  const db = mongo.db(database);
  await ensureIndexes(db);
  // As the runner that planned it records the plan.
  await recordPlan(db, { _id: uid, namespace, campaign: 'big', total: RUNS, planMs: 1 });
  const t0 = Date.now();
  const now = new Date();
  for (let start = 0; start < RUNS; start += 5000) {
    const docs: RunDoc[] = [];
    for (let run = start; run < Math.min(RUNS, start + 5000); run++) {
      docs.push({ _id: `${uid}/${run}`, campaignUid: uid, run, status: 'succeeded', attempts: 1, elapsedMs: 100, runnerPod: 'runner-0', iterationVars: { i: String(run) }, finishedAt: now, updatedAt: now });
    }
    await runsOf(db).insertMany(docs, { ordered: false });
  }
  process.stderr.write(`inserted ${RUNS} runs in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  const service = await startResultsService(stack, { INETSWARM_MONGO_DATABASE: database, INETSWARM_LOG_LEVEL: 'warn' });
  const dir = await mkdtemp(join(tmpdir(), 'bench-results-'));
  try {
    const path = campaignPath(namespace, 'big', 'runs');
    const first = async (): Promise<void> => {
      const res = await getAs(stack.kubeconfig, `${path}?limit=100`);
      if (res.status !== 200) throw new Error(res.body.toString());
    };
    const last = async (): Promise<void> => {
      const res = await getAs(stack.kubeconfig, `${path}?limit=100&last=true`);
      if (res.status !== 200) throw new Error(res.body.toString());
    };
    await first();
    const rows: Array<[string, number[]]> = [
      ['first page, service through the API server', await timed(first)],
      ['first page, store query direct', await timed(() => runPage(db, uid, { limit: 100 }, RUNS))],
      ['last page, service through the API server', await timed(last)],
      ['last page, store query direct', await timed(() => runPage(db, uid, { limit: 100, last: true }, RUNS))],
    ];
    process.stdout.write(`runs table of a ${RUNS}-run campaign, ${SAMPLES} samples each (ms)\n`);
    for (const [what, ms] of rows) process.stdout.write(`  ${what.padEnd(44)} p50 ${quantile(ms, 0.5).toFixed(1).padStart(8)}  p90 ${quantile(ms, 0.9).toFixed(1).padStart(8)}\n`);
    const ratio = (a: number, b: number): string => (quantile(rows[a]?.[1] ?? [], 0.5) / quantile(rows[b]?.[1] ?? [], 0.5)).toFixed(2);
    process.stdout.write(`  service/direct p50: first page ${ratio(0, 1)}x, last page ${ratio(2, 3)}x\n`);
  } finally {
    await service.stop();
    await db.dropDatabase();
    await mongo.close();
    await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace });
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
