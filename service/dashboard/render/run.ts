// A run's page: its identity and outcome, every attempt (runner pod, reason,
// exit, error line, time), the tail of its output and of its `.out` file, and
// the result files it stored.
import type { RunDetail } from '../../../api/results.ts';
import { formatBytes, formatDuration, formatTime } from './format.ts';
import { html, type Markup, type Part } from './html.ts';
import { page } from './layout.ts';
import { campaignUrl, fileUrl } from './links.ts';

function facts(run: RunDetail): Markup {
  const items: Array<[string, Part]> = [
    ['Status', html`<span class="status-${run.status}">${run.status}</span>`],
    ['Attempts', run.attempts],
    ['Elapsed', run.elapsedMs !== undefined ? formatDuration(run.elapsedMs) : undefined],
    ['Runner pod', run.runnerPod],
    ['Repetition', run.repetition],
    ['Iteration variables', run.iterationVars ? Object.entries(run.iterationVars).map(([k, v]) => `${k}=${v}`).join(', ') : undefined],
    ['Finished', run.finishedAt ? formatTime(run.finishedAt) : undefined],
    ['Error line', run.errorLine ? html`<span class="error-line">${run.errorLine}</span>` : undefined],
    ['Message', run.message],
    ['Command', run.command ? html`<code>${run.command}</code>` : undefined],
  ];
  return html`<dl class="facts">${items.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

function attempts(run: RunDetail): Markup {
  if (run.attemptHistory.length === 0) return html`<p>No attempt recorded yet.</p>`;
  const rows = run.attemptHistory.map(
    (a) =>
      html`<tr><th scope="row" class="num">${a.attempt}</th><td>${a.runnerPod}</td><td>${a.reason}</td><td class="num">${a.exitCode ?? ''}</td><td>${a.signal ?? ''}</td><td class="error-line">${a.errorLine ?? ''}</td><td class="num">${formatDuration(a.elapsedMs)}</td><td>${formatTime(a.finishedAt)}</td></tr>`,
  );
  return html`<table><caption>Attempts of run ${run.run}</caption><thead><tr><th scope="col" class="num">Attempt</th><th scope="col">Runner pod</th><th scope="col">Reason</th><th scope="col" class="num">Exit code</th><th scope="col">Signal</th><th scope="col">Error line</th><th scope="col" class="num">Elapsed</th><th scope="col">Finished</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function files(base: string, namespace: string, name: string, run: RunDetail): Markup {
  if (run.files.length === 0) return html`<p>No result files stored.</p>`;
  const rows = run.files.map((f) => html`<tr><th scope="row"><a href="${fileUrl(`${base}/..`, namespace, name, run.run, f.name)}" download>${f.name}</a></th><td class="num">${formatBytes(f.size)}</td></tr>`);
  return html`<table><caption>Result files of run ${run.run}</caption><thead><tr><th scope="col">File</th><th scope="col" class="num">Size</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const tail = (title: string, id: string, text: string | undefined) =>
  text ? html`<h2 id="${id}">${title}</h2><pre tabindex="0" aria-labelledby="${id}">${text}</pre>` : '';

export function runPage(base: string, namespace: string, name: string, run: RunDetail): Markup {
  const body = html`<p><a href="${campaignUrl(base, namespace, name)}">Campaign ${namespace}/${name}</a></p><h1>Run ${run.run}</h1>${facts(run)}<h2>Attempts</h2>${attempts(run)}${tail('Output (last lines)', 'output-tail', run.outputTail)}${tail('.out file (last lines)', 'out-tail', run.outTail)}<h2>Result files</h2>${files(base, namespace, name, run)}`;
  return page({ base, title: `Run ${run.run} of ${namespace}/${name}`, body });
}
