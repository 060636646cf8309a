// Runs one simulation process and classifies how it ended. Used by the
// attempt loop (attempt.ts) and the run expansion (plan.ts); it decides
// nothing about retries (that is decide.ts), it only reports what happened,
// with OMNeT++'s error line read from the output or from the `.out` file the
// output points to (cmdenv-output.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { findErrorReport, isInside, mergeReports, pointerMessage, pointerTarget, type ErrorReport } from './cmdenv-output.ts';
import type { Launcher, LaunchedExit } from './launcher.ts';

export { findErrorLine } from './cmdenv-output.ts';

export interface SimulationCommand {
  executable: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export interface SimulationOptions {
  /** Wall-clock limit; SIGTERM at the limit (OMNeT++ still writes its `.sca`), SIGKILL after killGraceMs. */
  timeoutMs: number;
  killGraceMs: number;
  /** Aborting stops the run the same way (SIGTERM, then SIGKILL) and reports `interrupted`. */
  signal?: AbortSignal;
  /** Output as it comes; only without a launcher (whose output goes to a file). */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** Start through the runner's launcher (cheaper than a fork of this process), output to `outputFile`. */
  launcher?: LaunchVia;
  /** The run's result folder (relative to the command's cwd, or absolute): the only place a redirected error line is read from. */
  resultDir?: string;
}

export interface LaunchVia {
  launcher: Launcher;
  /** Receives the process's stdout and stderr; the caller removes it. */
  outputFile: string;
}

export interface RunOutcome {
  kind: 'succeeded' | 'simulation-error' | 'crashed' | 'timed-out' | 'spawn-failed' | 'interrupted' | 'signalled';
  exitCode: number | null;
  signal: string | null;
  /** The `<!> Error: ...` line OMNeT++ printed, without the prefix. */
  errorLine?: string;
  elapsedMs: number;
  /** The last few kilobytes of stdout and stderr, for the run record and failure messages. */
  outputTail: string;
}

const TAIL_BYTES = 4096;
const ERROR_SCAN_BYTES = 64 * 1024;

/** A started simulation process, however it was started. */
interface SimulationProcess {
  /** Rejects when the process could not be started, or was lost with its launcher. */
  exited: Promise<LaunchedExit>;
  kill(signal: NodeJS.Signals): void;
  /** The end of what it wrote to stdout and stderr, and what that says of an error, once it exited. */
  output(): Promise<OutputEnd>;
}

interface OutputEnd {
  tail: string;
  report: ErrorReport;
}

/** Runs the command to its end (or the timeout, or the abort) and classifies the result. */
export async function runSimulation(cmd: SimulationCommand, opts: SimulationOptions): Promise<RunOutcome> {
  const started = performance.now();
  const outcome = (o: Omit<RunOutcome, 'elapsedMs'>): RunOutcome => ({ ...o, elapsedMs: Math.round(performance.now() - started) });
  const spawnFailed = (err: unknown) => {
    const e = err as NodeJS.ErrnoException;
    return outcome({ kind: 'spawn-failed', exitCode: null, signal: null, errorLine: `${e.code ?? 'error'}: ${e.message}`, outputTail: e.message });
  };

  let proc: SimulationProcess;
  try {
    proc = opts.launcher ? await launched(cmd, opts.launcher) : childProcess(cmd, opts.onOutput);
  } catch (err) {
    return spawnFailed(err);
  }
  let stopping: 'timed-out' | 'interrupted' | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (why: 'timed-out' | 'interrupted') => {
    if (stopping) return;
    stopping = why;
    proc.kill('SIGTERM');
    killTimer = setTimeout(() => proc.kill('SIGKILL'), opts.killGraceMs);
  };
  const onAbort = () => stop('interrupted');
  const timer = setTimeout(() => stop('timed-out'), opts.timeoutMs);
  if (opts.signal?.aborted) stop('interrupted');
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  let exit: LaunchedExit;
  try {
    exit = await proc.exited;
  } catch (err) {
    return spawnFailed(err);
  } finally {
    // Stopped or not is settled at the exit: an abort while the output is read changes nothing.
    clearTimeout(timer);
    clearTimeout(killTimer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  const stoppedAs = stopping;
  const { tail, report } = await proc.output();
  const errorLine = report.errorLine ?? (report.pointer !== undefined ? await redirectedErrorLine(report.pointer, cmd.cwd, opts.resultDir) : undefined);
  return outcome({ ...classify(exit, stoppedAs, errorLine), outputTail: tail });
}

/**
 * The error line of the `.out` file a pointer names, read only when it is a
 * regular file inside the result folder (symbolic links resolved first); the
 * pointer itself when it cannot be read so.
 */
async function redirectedErrorLine(pointer: string, cwd: string, resultDir: string | undefined): Promise<string> {
  const unread = pointerMessage(pointer);
  const target = resultDir === undefined ? undefined : pointerTarget(pointer, cwd, resultDir);
  if (target === undefined || resultDir === undefined) return unread;
  try {
    const [real, realDir] = await Promise.all([realpath(target), realpath(resolve(cwd, resultDir))]);
    if (!isInside(real, realDir)) return unread;
    return (await fileEnd(real)).report.errorLine ?? unread;
  } catch {
    return unread;
  }
}

/** OMNeT++'s exit code after SIGTERM or SIGINT: it called finish() and wrote its results, then stopped. */
export const EXIT_CODE_SIGNALLED = 2;

/** How a simulation ended, from its exit, whether we stopped it, and its error line. Pure. */
export function classify(exit: LaunchedExit, stopping: 'timed-out' | 'interrupted' | undefined, errorLine: string | undefined): Omit<RunOutcome, 'elapsedMs' | 'outputTail'> {
  const base = { exitCode: exit.exitCode, signal: exit.signal, ...(errorLine !== undefined ? { errorLine } : {}) };
  if (stopping) return { kind: stopping, ...base };
  if (exit.exitCode === 0) return { kind: 'succeeded', ...base };
  if (exit.signal) return { kind: 'crashed', ...base };
  if (errorLine !== undefined) return { kind: 'simulation-error', ...base };
  // Signalled by someone else (a terminal's Ctrl-C, a pod's SIGTERM) before our own stop: OMNeT++ wrote its
  // results and stopped. Or a model that exits 2 itself: which one cannot be told apart from outside.
  if (exit.exitCode === EXIT_CODE_SIGNALLED) return { kind: 'signalled', ...base };
  return { kind: 'crashed', ...base };
}

/**
 * Signals a simulation's process group: the simulation and whatever it forked
 * (each is spawned as the leader of its own group, `detached`), so that a
 * child it leaves behind cannot outlive a stop, or hold the output pipes open
 * after the run. A group already gone has nothing left to signal.
 */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: every process of the group has exited.
  }
}

/**
 * Children still running, killed with their groups if this process exits
 * first (the CLI quits at once on a second Ctrl-C): a simulation must not
 * outlive what started it, as the launcher's do not (PR_SET_PDEATHSIG).
 */
const liveChildren = new Set<ChildProcess>();
let killChildrenOnExit: (() => void) | undefined;

/** A child of this process, its output through pipes (and to onOutput as it comes). */
function childProcess(cmd: SimulationCommand, onOutput: SimulationOptions['onOutput']): SimulationProcess {
  // A group of its own (setsid): a terminal's Ctrl-C reaches the runner, which stops it (attempt.ts), not the simulation directly.
  const child = spawn(cmd.executable, cmd.args, { cwd: cmd.cwd, env: cmd.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (!killChildrenOnExit) {
    killChildrenOnExit = () => liveChildren.forEach((c) => signalGroup(c, 'SIGKILL'));
    process.on('exit', killChildrenOnExit);
  }
  liveChildren.add(child);
  // What the simulation left behind ends with it: its run is over, and its leftovers would hold the pipes.
  child.once('exit', () => {
    signalGroup(child, 'SIGKILL');
    liveChildren.delete(child);
  });
  let tail = '';
  let report: ErrorReport = {};
  const partial = { stdout: '', stderr: '' };
  const onData = (stream: 'stdout' | 'stderr') => (buf: Buffer) => {
    const chunk = buf.toString('utf8');
    onOutput?.(chunk, stream);
    tail = (tail + chunk).slice(-TAIL_BYTES);
    // Lines may be split across chunks: look only at complete lines.
    const text = partial[stream] + chunk;
    const lastNl = text.lastIndexOf('\n');
    partial[stream] = lastNl >= 0 ? text.slice(lastNl + 1) : text;
    if (lastNl >= 0) report = mergeReports(report, findErrorReport(text.slice(0, lastNl)));
  };
  child.stdout.on('data', onData('stdout'));
  child.stderr.on('data', onData('stderr'));
  const exited = new Promise<LaunchedExit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ exitCode: code, signal }));
  });
  const output = async () => ({ tail, report: [partial.stdout, partial.stderr].map(findErrorReport).reduce(mergeReports, report) });
  return { exited, kill: (signal) => signalGroup(child, signal), output };
}

/** A process the launcher started, its output in a file beside the result folder. */
async function launched(cmd: SimulationCommand, via: LaunchVia): Promise<SimulationProcess> {
  const proc = await via.launcher.launch(cmd, via.outputFile);
  return { exited: proc.exited, kill: proc.kill, output: () => fileEnd(via.outputFile) };
}

/**
 * The tail of an output file and what it says of an error. OMNeT++ prints its
 * error line at the end of a run, so the last ERROR_SCAN_BYTES hold it; the
 * first, possibly cut, line of that window is not searched. Only a regular
 * file is read (opened without blocking, so a FIFO cannot hold the runner).
 */
async function fileEnd(path: string): Promise<OutputEnd> {
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await file.stat();
    if (!stats.isFile()) throw new Error(`${path} is not a regular file`);
    const { size } = stats;
    const length = Math.min(size, ERROR_SCAN_BYTES);
    const buf = Buffer.alloc(length);
    await file.read(buf, 0, length, size - length);
    const text = buf.toString('utf8');
    const whole = length === size ? text : text.slice(text.indexOf('\n') + 1);
    return { tail: text.slice(-TAIL_BYTES), report: findErrorReport(whole) };
  } finally {
    await file.close();
  }
}
