// The output of `-s -q runs` read one line at a time, so that a plan of
// millions of runs never becomes one string or one array (a plan of 1.67
// million wide run lines was past V8's longest string). What it keeps is
// bounded: one bit per run number seen (duplicates are counted once, as the
// total must match the runs stored) and the last few other lines for the
// error message. Everything it rejects cannot succeed by planning again, so
// it throws PermanentError. Pure.
import { PermanentError } from '../errors.ts';
import { parseRunLine, runLineNumber, type PlannedRun } from './run-identity.ts';

/** A plan's run count above this is refused; a runner setting (INETSWARM_PLAN_MAX_RUNS) may change it. */
export const DEFAULT_PLAN_MAX_RUNS = 20_000_000;
/** OMNeT++ numbers runs with a C `int`. */
export const MAX_RUN_NUMBER = 2 ** 31 - 1;
const OTHER_LINES_KEPT = 3;

export class RunListReader {
  private seen = new Uint8Array(1 << 16);
  private others: string[] = [];
  /** Distinct runs read so far. */
  count = 0;

  constructor(private readonly maxRuns: number = DEFAULT_PLAN_MAX_RUNS) {}

  /** The run of one output line, or undefined for another line and for a run already read. */
  line(raw: string): PlannedRun | undefined {
    const line = raw.trim();
    const planned = parseRunLine(line);
    if (!planned) return this.other(line);
    return this.isNew(planned.run, line) ? planned : undefined;
  }

  /** What `line` checks and counts, without building the run's identity: the first pass over a plan. */
  check(raw: string): void {
    const line = raw.trim();
    const run = runLineNumber(line);
    if (run === undefined) this.other(line);
    else this.isNew(run, line);
  }

  /** Throws when the output had lines but not one run line: the simulation answered something else. */
  finish(): number {
    if (this.count === 0 && this.others.length > 0) throw new PermanentError(`no run lines in the output: ${JSON.stringify(this.others.join(' | '))}`);
    return this.count;
  }

  private other(line: string): undefined {
    if (line !== '') this.others = [...this.others, line.slice(0, 200)].slice(-OTHER_LINES_KEPT);
    return undefined;
  }

  /** Counts a run not read before; throws past the limits. */
  private isNew(run: number, line: string): boolean {
    if (!Number.isSafeInteger(run) || run > MAX_RUN_NUMBER) throw new PermanentError(`${JSON.stringify(line.slice(0, 40))} has no OMNeT++ run number`);
    if (this.wasSeen(run)) return false;
    this.count += 1;
    if (this.count > this.maxRuns) throw new PermanentError(`the plan has more than ${this.maxRuns} runs (INETSWARM_PLAN_MAX_RUNS); narrow the config or its run filter`);
    return true;
  }

  /** Marks `run` as seen; true when it already was. */
  private wasSeen(run: number): boolean {
    const byte = run >>> 3;
    if (byte >= this.seen.length) {
      let size = this.seen.length;
      while (size <= byte) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.seen);
      this.seen = grown;
    }
    const bit = 1 << (run & 7);
    const was = (this.seen[byte]! & bit) !== 0;
    this.seen[byte] = this.seen[byte]! | bit;
    return was;
  }
}
