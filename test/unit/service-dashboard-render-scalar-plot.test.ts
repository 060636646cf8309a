import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CIRCLE_LIMIT, parseScalarKey, plotForm, scalarKey, scalarPlot, xPositions } from '../../service/dashboard/render/scalar-plot.ts';

const plot = (points: Array<{ x: string; value: number; run: number }>) => ({ module: 'Net.sink', name: 'rcvd:count', itervar: 'x', points });

describe('scalarPlot', () => {
  it('draws one circle per run, at x by the itervar and higher for a larger value', () => {
    const svg = scalarPlot(plot([{ x: '1', value: 5, run: 0 }, { x: '10', value: 1, run: 1 }, { x: '2', value: 3, run: 2 }])).text;
    const circles = [...svg.matchAll(/data-run="(\d+)" cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => ({ run: Number(m[1]), cx: Number(m[2]), cy: Number(m[3]) }));
    assert.deepEqual(circles.map((c) => c.run), [0, 1, 2]);
    assert.ok(circles[0]!.cx < circles[2]!.cx && circles[2]!.cx < circles[1]!.cx, 'numeric x: 1 < 2 < 10');
    assert.ok(circles[0]!.cy < circles[2]!.cy && circles[2]!.cy < circles[1]!.cy, 'larger values drawn higher');
    assert.match(svg, /<caption>Net\.sink\.rcvd:count by x<\/caption>/);
  });
  it('puts text values of an itervar in natural order, one position each', () => {
    const pos = xPositions(['b10', 'b2', 'a', 'b2']);
    assert.deepEqual(pos.categories, ['a', 'b2', 'b10']);
    assert.equal(pos.numeric, false);
    assert.equal(pos.at('b10'), 2);
  });
  it('draws more runs than CIRCLE_LIMIT as one path, and leaves out values that are not finite', () => {
    const points = Array.from({ length: CIRCLE_LIMIT + 1 }, (_, i) => ({ x: String(i % 7), value: i, run: i }));
    const svg = scalarPlot(plot([...points, { x: '1', value: Number.NaN, run: -1 }])).text;
    assert.equal(svg.match(/<circle/g), null);
    assert.equal(svg.match(/<path /g)?.length, 1);
    assert.match(svg, /5,001 runs: .*; 1 runs without a finite value left out\./);
  });
  it('escapes the scalar, module and itervar names', () => {
    const svg = scalarPlot({ module: '<m>', name: '"n"', itervar: '&x', points: [{ x: '<1>', value: 1, run: 3 }] }).text;
    assert.doesNotMatch(svg, /<m>|"n"|&x|<1>/);
  });
  it('selects the chosen scalar and itervar in a GET form whose choices round-trip', () => {
    const s = { module: 'Net.host[0].app', name: 'packets sent' };
    assert.deepEqual(parseScalarKey(scalarKey(s)), s);
    const form = plotForm({ action: '/d/c', choices: { scalars: [{ module: 'A', name: 'b' }, s], itervars: ['x', 'y'] }, scalar: s, itervar: 'y', keep: { status: 'failed' } }).text;
    assert.match(form, /<form method="get" action="\/d\/c#plot"/);
    assert.match(form, /<option value="Net\.host\[0\]\.app\|packets sent" selected>/);
    assert.match(form, /<option selected>y<\/option>/);
    assert.match(form, /<input type="hidden" name="status" value="failed">/);
    assert.match(form, /<label for="plot-scalar">Scalar<select id="plot-scalar"/);
  });
});
