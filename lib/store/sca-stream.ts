// A `.sca` parsed a line at a time, its scalars and statistics taken out as
// they settle, so that a file of any size costs a bounded amount of memory:
// the runner stores each batch it takes (results.ts) and the parser keeps only
// the run headers and what a later line may still change. Pure: the lines come
// from sca-file.ts.
import { addProblem, endOfFile, parseLine, parseState, type ParseState, type ScaFile, type ScaRun, type ScaScalar, type ScaStatistic } from './sca.ts';

/** Scalars and statistics of one run that no later line can change. */
export interface SettledPart {
  run: ScaRun;
  scalars: ScaScalar[];
  statistics: ScaStatistic[];
}

export class ScaStream {
  private readonly state: ParseState = parseState(false);
  private no = 0;

  line(raw: string): void {
    parseLine(this.state, raw, ++this.no);
  }

  /** A line too long to be one OMNeT++ wrote: counted as a problem, not read. */
  overlong(bytes: number): void {
    addProblem(this.state.file, ++this.no, `line of ${bytes} bytes or more skipped`, '');
  }

  /** How many scalars and statistics are held now. */
  held(): number {
    return this.state.file.runs.reduce((n, r) => n + r.scalars.length + r.statistics.length, 0);
  }

  /**
   * Takes out every scalar and statistic that is settled: all of an earlier
   * run, all but the last of the current one while its `attr`, `field` or
   * `bin` lines may still come.
   */
  takeSettled(): SettledPart[] {
    const { run: current, attrTarget, statistic } = this.state;
    const parts: SettledPart[] = [];
    for (const run of this.state.file.runs) {
      const lastScalar = run.scalars.at(-1);
      const lastStatistic = run.statistics.at(-1);
      const keepScalar = run === current && lastScalar !== undefined && lastScalar.attrs === attrTarget;
      const keepStatistic = run === current && lastStatistic !== undefined && (lastStatistic === statistic || lastStatistic.attrs === attrTarget);
      const scalars = run.scalars.splice(0, run.scalars.length - (keepScalar ? 1 : 0));
      const statistics = run.statistics.splice(0, run.statistics.length - (keepStatistic ? 1 : 0));
      if (scalars.length > 0 || statistics.length > 0) parts.push({ run, scalars, statistics });
    }
    return parts;
  }

  /** The file once every line went in; its runs hold what was not taken. */
  end(): ScaFile {
    return endOfFile(this.state);
  }
}
