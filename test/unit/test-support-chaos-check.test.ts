// The chaos test's checks (test/support/chaos-check.ts) can fail: each holds
// for a store that has exactly one attempt's output per run, and names the
// run when a duplicate, a stray or foreign file, a changed byte, an extra
// scalar row or another attempt's header is there.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectId } from 'mongodb';
import { parseSca } from '../../lib/store/sca.ts';
import { runHeaderOf, statisticRecordOf } from '../../lib/store/csv-r.ts';
import { scalarDocs, scaRunDocs, statisticDocs } from '../../lib/store/scalars.ts';
import { scalarRows } from '../../lib/store/sca.ts';
import type { RunDoc } from '../../lib/store/store.ts';
import { checkFileContents, checkNoStrayFiles, checkRecords, checkScalars, type Expected, type Stored } from '../support/chaos-check.ts';

const UID = 'uid-1';
const SCA = (run: number, runner: string) =>
  [
    'version 3',
    `run General-${run}-20260101-00:00:0${run}-${1000 + run}`,
    'attr configname General',
    `attr repetition ${run}`,
    `attr seedset ${run}`,
    'itervar i 1',
    `config **.oppsim.chaosRunner ${runner}`,
    '',
    `scalar Net.oppsim runNumber ${run}`,
    'scalar Net.host[0] packetsSent 17',
    'attr unit packets',
    'statistic Net.oppsim delay:histogram',
    'field count 2',
    'field mean 0.5',
    'bin\t-inf\t0',
    'bin\t0\t2',
    '',
  ].join('\n');

/** A store with one attempt's output for runs 0 and 1 (attempt 2 of run 1, on runner b), and their expected files. */
function world(): { stored: Stored; expected: Expected } {
  const runs: RunDoc[] = [];
  const stored: Stored = { runs, files: [], contents: new Map(), scalars: [], scaRuns: [], statistics: [] };
  const expected: Expected = new Map();
  for (const [run, runner, attempt] of [[0, 'a', 1], [1, 'b', 2]] as const) {
    const sca = Buffer.from(SCA(run, runner));
    const vec = Buffer.from(`vec of ${run}`);
    expected.set(run, new Map([[`r${run}.sca`, sca], [`r${run}.vec`, vec]]));
    const refs = [...expected.get(run)!].map(([name, bytes]) => {
      const id = new ObjectId();
      stored.files.push({ id: String(id), metadata: { run, attempt, fileName: name } });
      stored.contents.set(String(id), bytes);
      return { name, gridfsId: id, size: bytes.length };
    });
    const history = [...(attempt > 1 ? [{ attempt: 1, runnerPod: 'z', reason: 'RunnerLost' as const }] : []), { attempt, runnerPod: runner, reason: 'Succeeded' as const }];
    const parsed = parseSca(sca.toString()).runs[0]!;
    runs.push({
      _id: `${UID}/${run}`, campaignUid: UID, run, status: 'succeeded', attempts: attempt, runnerPod: runner, resultFiles: refs, updatedAt: new Date(),
      iterationVars: { i: '1' }, repetition: run,
      attemptHistory: history.map((h) => ({ ...h, exitCode: 0, signal: null, elapsedMs: 1, finishedAt: new Date() })),
    });
    const scalars = { campaignUid: UID, run, token: `token-${run}`, iterationVars: { i: '1' }, scalars: [{ file: `r${run}.sca`, rows: scalarRows(parsed), header: runHeaderOf(parsed), statistics: parsed.statistics.map(statisticRecordOf) }] };
    stored.scalars.push(...scalarDocs(scalars));
    stored.scaRuns.push(...scaRunDocs(scalars));
    stored.statistics.push(...statisticDocs(scalars));
  }
  return { stored, expected };
}

function allProblems({ stored, expected }: ReturnType<typeof world>): string[] {
  return [...checkRecords(stored.runs, 2), ...checkFileContents(stored, expected), ...checkNoStrayFiles(stored), ...checkScalars(stored, expected)];
}

describe('the chaos checks', () => {
  it('find nothing wrong with one attempt per run', () => assert.deepEqual(allProblems(world()), []));

  it('find a missing run, a failed one, and a history with two successes', () => {
    const w = world();
    w.stored.runs[1]!.attemptHistory!.push({ ...w.stored.runs[1]!.attemptHistory!.at(-1)!, attempt: 3 });
    assert.deepEqual(checkRecords(w.stored.runs, 3), ['2 run records for 3 runs', 'run 2: no record', 'run 1: 2 successful attempts in its history']);
    w.stored.runs[0]!.status = 'failed';
    assert.match(checkRecords(w.stored.runs, 2).join('\n'), /run 0: failed/);
  });

  it('find a changed byte, a missing file and a file of another attempt', () => {
    const w = world();
    const [sca, vec] = w.stored.runs[0]!.resultFiles!;
    w.stored.contents.set(String(sca!.gridfsId), Buffer.from(SCA(0, 'b')));
    w.stored.files = w.stored.files.filter((f) => f.id !== String(vec!.gridfsId));
    w.stored.files.find((f) => f.metadata.run === 1)!.metadata.attempt = 1;
    assert.deepEqual(checkFileContents(w.stored, w.expected), [
      'run 0 r0.sca: content differs from the run\'s own output (315 bytes, expected 315)',
      `run 0 r0.vec: referenced file ${String(vec!.gridfsId)} is not in GridFS`,
      'run 1 r1.sca: stored by attempt 1, the run\'s success is attempt 2',
    ]);
  });

  it("find a second file of a run and name, and a loser's file no run references", () => {
    const w = world();
    w.stored.files.push({ id: String(new ObjectId()), metadata: { run: 1, attempt: 1, fileName: 'r1.vec' } });
    assert.deepEqual(checkNoStrayFiles(w.stored), ['run 1 r1.vec (attempt 1): stored, referenced by no run', 'run 1 r1.vec: 2 files']);
  });

  it("find a scalar row stored twice, another attempt's run header and a missing statistic", () => {
    const w = world();
    w.stored.scalars.push({ ...w.stored.scalars[0]!, _id: 'another' } as Stored['scalars'][number]);
    w.stored.scaRuns[1] = { ...w.stored.scaRuns[1]!, ...runHeaderOf(parseSca(SCA(1, 'a')).runs[0]!) };
    w.stored.statistics.pop();
    assert.deepEqual(checkScalars(w.stored, w.expected), [
      'run 0 r0.sca: 5 scalar rows, one attempt writes 4',
      "run 1 r1.sca: run header is another attempt's (runner a vs runner b)",
      'run 1 r1.sca: 0 statistics, one attempt writes 1',
    ]);
  });
});
