// Runs one simulation process and classifies how it ended. Shared by the
// runner and the local CLI engine; it decides nothing about retries (that is
// decide.ts), it only reports what happened.
import { spawn } from 'node:child_process';

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
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
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

/** Runs the command to its end (or the timeout, or the abort) and classifies the result. */
export function runSimulation(cmd: SimulationCommand, opts: SimulationOptions): Promise<RunOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let tail = '';
    let errorLine: string | undefined;
    const partial = { stdout: '', stderr: '' };
    let stopping: 'timed-out' | 'interrupted' | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const finish = (outcome: Omit<RunOutcome, 'elapsedMs' | 'outputTail'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ ...outcome, elapsedMs: Math.round(performance.now() - started), outputTail: tail });
    };

    let child;
    try {
      child = spawn(cmd.executable, cmd.args, { cwd: cmd.cwd, env: cmd.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      tail = String((err as Error).message);
      finish({ kind: 'spawn-failed', exitCode: null, signal: null, errorLine: (err as Error).message });
      return;
    }

    const stop = (why: 'timed-out' | 'interrupted') => {
      if (stopping || settled) return;
      stopping = why;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), opts.killGraceMs);
    };
    const onAbort = () => stop('interrupted');
    const timer = setTimeout(() => stop('timed-out'), opts.timeoutMs);
    if (opts.signal?.aborted) stop('interrupted');
    else opts.signal?.addEventListener('abort', onAbort, { once: true });

    const onData = (stream: 'stdout' | 'stderr') => (buf: Buffer) => {
      const chunk = buf.toString('utf8');
      opts.onOutput?.(chunk, stream);
      tail = (tail + chunk).slice(-TAIL_BYTES);
      // Lines may be split across chunks: look only at complete lines.
      const text = partial[stream] + chunk;
      const lastNl = text.lastIndexOf('\n');
      partial[stream] = lastNl >= 0 ? text.slice(lastNl + 1) : text;
      if (errorLine === undefined && lastNl >= 0) errorLine = findErrorLine(text.slice(0, lastNl));
    };
    child.stdout.on('data', onData('stdout'));
    child.stderr.on('data', onData('stderr'));

    child.once('error', (err: NodeJS.ErrnoException) => {
      tail = (tail + `\n${err.message}`).slice(-TAIL_BYTES);
      finish({ kind: 'spawn-failed', exitCode: null, signal: null, errorLine: `${err.code ?? 'error'}: ${err.message}` });
    });
    child.once('close', (code, signal) => {
      errorLine ??= findErrorLine(partial.stdout) ?? findErrorLine(partial.stderr);
      const base = { exitCode: code, signal: signal ?? null, ...(errorLine !== undefined ? { errorLine } : {}) };
      if (stopping) return finish({ kind: stopping, ...base });
      if (code === 0) return finish({ kind: 'succeeded', ...base });
      if (signal) return finish({ kind: 'crashed', ...base });
      if (errorLine !== undefined) return finish({ kind: 'simulation-error', ...base });
      finish({ kind: 'crashed', ...base });
    });
  });
}
