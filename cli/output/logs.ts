// The text and JSON of `logs`: a run's head line, error line and output, or a
// build's log as it is. Pure.
import type { BuildLog, RunLogView } from '../data/logs.ts';

const withNewline = (text: string): string => (text.endsWith('\n') ? text : `${text}\n`);

export function formatBuildLog(log: BuildLog): string {
  return withNewline(log.text);
}

/** The JSON document of `logs --run` (the fields scripts read; not where the output came from). */
export function runLogJson(campaign: string, v: RunLogView): Record<string, unknown> {
  return { campaign, run: v.run, status: v.status, attempts: v.attempts, reason: v.reason, exitCode: v.exitCode, errorLine: v.errorLine, output: v.output };
}

export function formatRunLog(v: RunLogView): string {
  const head =
    `Run ${v.run}: ${v.status}, ${v.attempts} attempt(s)` +
    (v.reason && v.reason !== 'Succeeded' ? `, ${v.reason}` : '') +
    (v.exitCode !== undefined && v.exitCode !== null ? `, exit code ${v.exitCode}` : '') +
    (v.runnerPod ? `, on ${v.runnerPod}` : '');
  const error = v.errorLine ? `${v.errorLine}\n` : '';
  const output = v.output ? `--- ${v.outputSource} ---\n${withNewline(v.output)}` : '';
  return `${head}\n${error}${output}`;
}
