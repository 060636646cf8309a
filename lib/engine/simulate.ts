// Runs one simulation process and classifies how it ended. Used by the
// attempt loop (attempt.ts) and the run expansion (plan.ts); it decides
// nothing about retries (that is decide.ts), it only reports what happened.
import { spawn, type ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';
import type { Launcher, LaunchedExit } from './launcher.ts';

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
}

export interface LaunchVia {
  launcher: Launcher;
  /** Receives the process's stdout and stderr; the caller removes it. */
  outputFile: string;
}

export interface RunOutcome {
  kind: 'succeeded' | 'simulation-error' | 'crashed' | 'timed-out' | 'spawn-failed' | 'interrupted';
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
const ERROR_PREFIX = '<!> Error:';

/** Finds OMNeT++'s error line in a text; returns the message after the prefix. */
export function findErrorLine(text: string): string | undefined {
  let found: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(ERROR_PREFIX);
    if (at >= 0 && found === undefined) found = line.slice(at + ERROR_PREFIX.length).trim();
  }
  return found;
}

/** A started simulation process, however it was started. */
interface SimulationProcess {
  /** Rejects when the process could not be started, or was lost with its launcher. */
  exited: Promise<LaunchedExit>;
  kill(signal: NodeJS.Signals): void;
  /** The end of what it wrote to stdout and stderr, and its error line, once it exited. */
  output(): Promise<{ tail: string; errorLine: string | undefined }>;
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
  const { tail, errorLine } = await proc.output();
  return outcome({ ...classify(exit, stoppedAs, errorLine), outputTail: tail });
}

/** How a simulation ended, from its exit, whether we stopped it, and its error line. Pure. */
export function classify(exit: LaunchedExit, stopping: 'timed-out' | 'interrupted' | undefined, errorLine: string | undefined): Omit<RunOutcome, 'elapsedMs' | 'outputTail'> {
  const base = { exitCode: exit.exitCode, signal: exit.signal, ...(errorLine !== undefined ? { errorLine } : {}) };
  if (stopping) return { kind: stopping, ...base };
  if (exit.exitCode === 0) return { kind: 'succeeded', ...base };
  if (exit.signal) return { kind: 'crashed', ...base };
  if (errorLine !== undefined) return { kind: 'simulation-error', ...base };
  return { kind: 'crashed', ...base };
}

/**
 * Children still running, killed if this process exits first (the CLI quits at
 * once on a second Ctrl-C): a simulation must not outlive what started it, as
 * the launcher's do not (PR_SET_PDEATHSIG).
 */
const liveChildren = new Set<ChildProcess>();
let killChildrenOnExit: (() => void) | undefined;

/** A child of this process, its output through pipes (and to onOutput as it comes). */
function childProcess(cmd: SimulationCommand, onOutput: SimulationOptions['onOutput']): SimulationProcess {
  const child = spawn(cmd.executable, cmd.args, { cwd: cmd.cwd, env: cmd.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (!killChildrenOnExit) {
    killChildrenOnExit = () => liveChildren.forEach((c) => c.kill('SIGKILL'));
    process.on('exit', killChildrenOnExit);
  }
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  let tail = '';
  let errorLine: string | undefined;
  const partial = { stdout: '', stderr: '' };
  const onData = (stream: 'stdout' | 'stderr') => (buf: Buffer) => {
    const chunk = buf.toString('utf8');
    onOutput?.(chunk, stream);
    tail = (tail + chunk).slice(-TAIL_BYTES);
    // Lines may be split across chunks: look only at complete lines.
    const text = partial[stream] + chunk;
    const lastNl = text.lastIndexOf('\n');
    partial[stream] = lastNl >= 0 ? text.slice(lastNl + 1) : text;
    if (errorLine === undefined && lastNl >= 0) errorLine = findErrorLine(text.slice(0, lastNl));
  };
  child.stdout.on('data', onData('stdout'));
  child.stderr.on('data', onData('stderr'));
  const exited = new Promise<LaunchedExit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ exitCode: code, signal }));
  });
  const output = async () => ({ tail, errorLine: errorLine ?? findErrorLine(partial.stdout) ?? findErrorLine(partial.stderr) });
  return { exited, kill: (signal) => child.kill(signal), output };
}

/** A process the launcher started, its output in a file beside the result folder. */
async function launched(cmd: SimulationCommand, via: LaunchVia): Promise<SimulationProcess> {
  const proc = await via.launcher.launch(cmd, via.outputFile);
  return { exited: proc.exited, kill: proc.kill, output: () => outputFileEnd(via.outputFile) };
}

/**
 * The tail and the error line of an output file. OMNeT++ prints its error
 * line at the end of a run, so the last ERROR_SCAN_BYTES hold it; the first,
 * possibly cut, line of that window is not searched.
 */
async function outputFileEnd(path: string): Promise<{ tail: string; errorLine: string | undefined }> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const length = Math.min(size, ERROR_SCAN_BYTES);
    const buf = Buffer.alloc(length);
    await file.read(buf, 0, length, size - length);
    const text = buf.toString('utf8');
    const whole = length === size ? text : text.slice(text.indexOf('\n') + 1);
    return { tail: text.slice(-TAIL_BYTES), errorLine: findErrorLine(whole) };
  } finally {
    await file.close();
  }
}
