// The text and JSON of `logs`: a run's head line, what it simulates, its error
// line, output and the command that runs it locally, or a build's log as it
// is. Pure.
import { describeIdentity } from '../../lib/engine/run-identity.ts';
import type { BuildLog, RunLogView } from '../data/logs.ts';

const withNewline = (text: string): string => (text.endsWith('\n') ? text : `${text}\n`);

export function formatBuildLog(log: BuildLog): string {
  return withNewline(log.text);
}

/** The JSON document of `logs --run` (the fields scripts read; not where the output came from). */
export function runLogJson(campaign: string, v: RunLogView): Record<string, unknown> {
  return {
    campaign,
    run: v.run,
    ...(v.identity ?? {}),
    status: v.status,
    attempts: v.attempts,
    reason: v.reason,
    exitCode: v.exitCode,
    errorLine: v.errorLine,
    output: v.output,
    command: v.command,
  };
}

export function formatRunLog(v: RunLogView): string {
  const head =
    `Run ${v.run}: ${v.status}, ${v.attempts} attempt(s)` +
    (v.reason && v.reason !== 'Succeeded' ? `, ${v.reason}` : '') +
    (v.exitCode !== undefined && v.exitCode !== null ? `, exit code ${v.exitCode}` : '') +
    (v.runnerPod ? `, on ${v.runnerPod}` : '');
  const identity = v.identity ? `Simulates ${describeIdentity(v.identity)}\n` : '';
  const error = v.errorLine ? `${v.errorLine}\n` : '';
  const output = v.output ? `--- ${v.outputSource} ---\n${withNewline(v.output)}` : '';
  // Last, so that it is what a long output leaves on the screen.
  const command = v.command ? `To run it on your machine (from your checkout's root):\n  ${v.command}\n` : '';
  return `${head}\n${identity}${error}${output}${command}`;
}
