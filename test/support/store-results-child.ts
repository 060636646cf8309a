// A program, not a module: the runner's storeResults (pods/runner/results.ts)
// on one result folder, in a process of its own, so that a test can read the
// peak memory of storing it and of nothing else. It connects to the
// MongoDB-wire server named by INETSWARM_TEST_MONGO_URI (the environment: the
// URI holds a password), takes `{ database, campaignUid, run, resultDir,
// results }` as JSON in argv[2], and prints `{ won, baseline, peak }` (VmHWM
// in bytes, reset once everything is loaded) on one line of stdout.
import { readFileSync, writeFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import type { RunnerContext } from '../../pods/runner/deps.ts';
import { storeResults } from '../../pods/runner/results.ts';

const hwm = () => Number(/VmHWM:\s*(\d+)\s*kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) * 1024;

const args = JSON.parse(process.argv[2] ?? '{}') as { database: string; campaignUid: string; run: number; resultDir: string; results: RunnerContext['config']['results'] };
const client = new MongoClient(process.env.INETSWARM_TEST_MONGO_URI ?? '');
await client.connect();
const db = client.db(args.database);
await db.command({ ping: 1 });
const ctx = { db, config: { results: args.results }, log: pino({ level: 'warn' }, process.stderr) } as unknown as RunnerContext;
const result = { campaignUid: args.campaignUid, run: args.run, runnerPod: 'child', attempt: 1, token: 'child-token', history: [], reason: 'Succeeded' as const, exitCode: 0, signal: null, elapsedMs: 1 };
global.gc?.();
writeFileSync('/proc/self/clear_refs', '5');
const baseline = hwm();
const { won } = await storeResults(ctx, result, args.resultDir);
process.stdout.write(`${JSON.stringify({ won, baseline, peak: hwm() })}\n`);
await client.close();
