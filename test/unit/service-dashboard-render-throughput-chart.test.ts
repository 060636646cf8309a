import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bars, throughputChart } from '../../service/dashboard/render/throughput-chart.ts';

const minute = (i: number) => new Date(Date.UTC(2026, 11, 1, 0, i)).toISOString();

describe('throughputChart', () => {
  it('counts the minutes without runs as zero', () => {
    const b = bars([{ minute: minute(0), runs: 4 }, { minute: minute(3), runs: 2 }], 100);
    assert.deepEqual(b.map((x) => x.rate), [4, 0, 0, 2]);
  });
  it('merges a week of minutes into at most maxBars bars of their average rate', () => {
    const points = Array.from({ length: 7 * 24 * 60 }, (_, i) => ({ minute: minute(i), runs: 10 }));
    const b = bars(points, 360);
    assert.ok(b.length <= 360);
    assert.equal(b[0]!.minutes, 28);
    assert.ok(b.every((x) => x.rate === 10));
  });
  it('draws all bars as one path and says the total, peak and mean in its caption', () => {
    const points = Array.from({ length: 10_000 }, (_, i) => ({ minute: minute(i), runs: i % 2 === 0 ? 10 : 0 }));
    const svg = throughputChart({ points }).text;
    assert.equal(svg.match(/<path /g)?.length, 1);
    assert.match(svg, /<figcaption>50,000 runs finished from 2026-12-01 00:00:00 UTC to .*; peak 5\.0 and mean 5\.0 runs per minute \(bars of 28 minutes\)\.<\/figcaption>/);
    assert.match(svg, /role="img" aria-labelledby="throughput-chart-title throughput-chart-desc"/);
  });
  it('says so when no run has finished', () => {
    assert.equal(throughputChart({ points: [] }).text, '<p>No run has finished yet.</p>');
  });
});
