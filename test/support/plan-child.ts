// A plan in a process of its own, so that a test can read the memory that
// planning took (its VmHWM) apart from the test runner's: runs
// `planRuns` on the command in argv (cwd first), counts what it hands on, and
// prints one JSON line with the figures before it exits.
import { readFileSync } from 'node:fs';
import { planRuns } from '../../lib/engine/plan.ts';

const [cwd, executable, ...args] = process.argv.slice(2);
const vmHwmBytes = () => Number(/VmHWM:\s*(\d+)\s*kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) * 1024;
const started = performance.now();
let handed = 0;
let batches = 0;
let largestBatch = 0;
let last: unknown;
try {
  const total = await planRuns({ executable: executable!, args, cwd: cwd! }, {}, async (batch) => {
    handed += batch.length;
    batches += 1;
    largestBatch = Math.max(largestBatch, batch.length);
    last = batch.at(-1);
  });
  console.log(JSON.stringify({ total, handed, batches, largestBatch, last, seconds: (performance.now() - started) / 1000, vmHwmBytes: vmHwmBytes() }));
} catch (err) {
  console.log(JSON.stringify({ error: `${(err as Error).name}: ${(err as Error).message}`, handed, vmHwmBytes: vmHwmBytes() }));
}
