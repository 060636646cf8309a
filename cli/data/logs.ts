// What `logs` shows, as data: a run's record and output (its `.out` file when
// stored, else the output tail the runner recorded), and a build's log as its
// status recorded it once the builder pod is gone. Pure; output/logs.ts
// renders both.
import type { RunDetail } from '../../api/results.ts';
import type { InetBuild } from '../../api/v1alpha1.ts';
import type { RunIdentity } from '../../lib/engine/run-identity.ts';
import type { RunDoc } from '../../lib/store/store.ts';

/** A log and where it came from (`pod <name>`, or the build's status). */
export interface BuildLog {
  source: string;
  text: string;
}

/** The log tail a failed build recorded, else a sentence saying why there is no log. */
export function recordedBuildLog(buildName: string, build: InetBuild): BuildLog {
  const source = `InetBuild ${buildName} status`;
  const failure = build.status?.failure;
  if (failure?.logTail || failure?.message) {
    return { source, text: `${failure.reason ?? 'Failed'}: ${failure.message ?? ''}\n${failure.logTail ?? ''}` };
  }
  return { source, text: `Build ${buildName} is ${build.status?.phase ?? 'Pending'}; no log is available (the builder pod is gone).\n` };
}

/** One run's log as `logs --run` shows it. */
export interface RunLogView {
  run: number;
  /** What the run simulates, when its record says (runs planned by an older runner have none). */
  identity: RunIdentity | undefined;
  status: RunDoc['status'];
  attempts: number;
  reason: RunDoc['reason'];
  exitCode: RunDoc['exitCode'];
  runnerPod: string | undefined;
  /** The error line, or the failure message when the run failed without one. */
  errorLine: string | undefined;
  output: string;
  /** Where `output` comes from: the `.out` file, its end (from the results service), or the runner's output tail. */
  outputSource: '.out' | 'end of .out' | 'output tail';
  /** The shell line that runs this run in the user's checkout, when the runner recorded it. */
  command: string | undefined;
}

export function runLogView(run: number, doc: RunDoc, outFile: string | undefined): RunLogView {
  return {
    run,
    identity: runIdentity(doc),
    status: doc.status,
    attempts: doc.attempts,
    reason: doc.reason,
    exitCode: doc.exitCode,
    runnerPod: doc.runnerPod,
    errorLine: doc.errorLine ?? (doc.status === 'failed' ? doc.message : undefined),
    output: outFile ?? doc.outputTail ?? '',
    outputSource: outFile !== undefined ? '.out' : 'output tail',
    command: doc.command,
  };
}

/**
 * One run's log from the results service's RunDetail: how its last attempt
 * ended, and the end of its `.out` file when the campaign stores them, else
 * the output tail the runner recorded.
 */
export function runLogViewOfDetail(d: RunDetail): RunLogView {
  const last = d.attemptHistory[d.attemptHistory.length - 1];
  return {
    run: d.run,
    identity: d.repetition === undefined ? undefined : { iterationVars: d.iterationVars ?? {}, repetition: d.repetition },
    status: d.status as RunDoc['status'],
    attempts: d.attempts,
    reason: (last?.reason ?? (d.status === 'succeeded' ? 'Succeeded' : undefined)) as RunDoc['reason'],
    exitCode: last?.exitCode,
    runnerPod: d.runnerPod,
    errorLine: d.errorLine ?? (d.status === 'failed' ? d.message : undefined),
    output: d.outTail ?? d.outputTail ?? '',
    outputSource: d.outTail !== undefined ? 'end of .out' : 'output tail',
    command: d.command,
  };
}

/** The identity a run's record holds: its plan's (or its `.sca`'s) variables and repetition, and the seed set once it succeeded. */
export function runIdentity(doc: Pick<RunDoc, 'iterationVars' | 'repetition' | 'seedSet'>): RunIdentity | undefined {
  if (doc.repetition === undefined) return undefined;
  return { iterationVars: doc.iterationVars ?? {}, repetition: doc.repetition, ...(doc.seedSet !== undefined ? { seedSet: doc.seedSet } : {}) };
}
