import { describe, expect, it } from 'vitest';
import { binLabels, binOf, RttHistogram, RTT_EDGES_MS } from '../../src/report/html/rtt.js';
import { loadRecords, standardEntries, writeRun } from './runs.js';

describe('RTT histogram', () => {
  it('bins round trips on fixed edges, one series per resolver and transport, ISP first', async () => {
    expect(binOf(0.4)).toBe(0);
    expect(binOf(1)).toBe(1);
    expect(binOf(99.9)).toBe(RTT_EDGES_MS.indexOf(100));
    expect(binOf(60_000)).toBe(RTT_EDGES_MS.length);
    expect(binLabels()).toHaveLength(RTT_EDGES_MS.length + 1);
    const h = new RttHistogram();
    for (const r of await loadRecords(writeRun(standardEntries()))) h.add(r);
    const series = h.result();
    expect(series.map((s) => `${s.role} ${s.engine} ${s.address}`)).toEqual(['isp udp 198.18.1.53:53', 'foreign doh https://198.18.3.53/dns-query', 'foreign udp 198.18.3.54:53']);
    // One entry is an IP (no lookup) and the ISP timed out once (no round trip); the rest count once.
    expect(series.map((s) => s.answered)).toEqual([standardEntries().length - 1 - 1, standardEntries().length - 1, standardEntries().length - 1]);
    for (const s of series) expect(s.bins.reduce((a, b) => a + b, 0)).toBe(s.answered);
  });
});
