import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRow } from '../../api/results.ts';
import { runsTable, type RunsView } from '../../service/dashboard/render/runs-table.ts';

const row = (run: number, extra: Partial<RunRow> = {}): RunRow => ({ run, status: 'succeeded', attempts: 1, ...extra });
const view = (over: Partial<RunsView>): RunsView => ({ base: '/d', namespace: 'ns', name: 'c', page: { items: [row(0)] }, total: 200, keep: {}, ...over });
const links = (text: string) => [...text.matchAll(/<a href="([^"]+)" rel="(\w+)"/g)].slice(0, 4).map((m) => `${m[2]} ${m[1]!.replace(/&amp;/g, '&')}`);

describe('runsTable', () => {
  it('links first, previous, next and last pages by run-number keys, keeping the filter and the plot choice', () => {
    const text = runsTable(view({ page: { items: [row(50), row(99)], prev: 50, next: 99 }, status: 'failed', keep: { itervar: 'x' } })).text;
    assert.deepEqual(links(text), [
      'first /d/namespaces/ns/campaigns/c?itervar=x&status=failed#runs',
      'prev /d/namespaces/ns/campaigns/c?itervar=x&status=failed&before=50#runs',
      'next /d/namespaces/ns/campaigns/c?itervar=x&status=failed&after=99#runs',
      'last /d/namespaces/ns/campaigns/c?itervar=x&status=failed&before=200#runs',
    ]);
  });
  it('shows first and previous as disabled on the first page, next and last on the last', () => {
    const first = runsTable(view({ page: { items: [row(0)], next: 0 } })).text;
    assert.match(first, /<span aria-disabled="true">First<\/span><span aria-disabled="true">Previous<\/span>/);
    const last = runsTable(view({ page: { items: [row(199)], prev: 199 } })).text;
    assert.match(last, /<span aria-disabled="true">Next<\/span><span aria-disabled="true">Last<\/span>/);
  });
  it('writes one row per run with status, attempts, elapsed, runner pod and the escaped error line', () => {
    const text = runsTable(view({ page: { items: [row(7, { status: 'failed', attempts: 3, elapsedMs: 65_000, runnerPod: 'runner-x', errorLine: '<!> Error: a < b' })] } })).text;
    assert.match(text, /<tr data-run="7"><th scope="row" class="num"><a href="\/d\/namespaces\/ns\/campaigns\/c\/runs\/7">7<\/a><\/th><td class="status-failed">failed<\/td><td class="num">3<\/td><td class="num">1m05s<\/td><td>runner-x<\/td><td class="error-line">&lt;!&gt; Error: a &lt; b<\/td><\/tr>/);
    assert.match(text, /<caption>Runs 7–7 of 200<\/caption>/);
  });
  it('selects the filtered status in a labelled GET form and says when no run matches', () => {
    const text = runsTable(view({ page: { items: [] }, status: 'running' })).text;
    assert.match(text, /<form method="get" action="\/d\/namespaces\/ns\/campaigns\/c#runs"/);
    assert.match(text, /<label for="runs-status">Status<select id="runs-status" name="status">/);
    assert.match(text, /<option value="running" selected>running<\/option>/);
    assert.match(text, /No runs with status running here\./);
  });
});
