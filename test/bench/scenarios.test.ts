import { describe, expect, it } from 'vitest';
import { benchRows, kindCounts, MIX, scenarioCsv } from '../../bench/scenarios.js';
import { parseScenarios, verdictOf, worldSiteIps } from '../../src/lab/scenarios.js';
import { leafRequests } from '../../src/lab/up.js';

describe('the benchmark scenario set', () => {
  it('is a valid lab scenario file of the list size, with the modelled mix', () => {
    const rows = benchRows(15000);
    const scenarios = parseScenarios(scenarioCsv(rows));
    expect(scenarios).toHaveLength(15000);
    const verdicts: Record<string, number> = {};
    for (const s of scenarios) verdicts[verdictOf(s)] = (verdicts[verdictOf(s)] ?? 0) + 1;
    // Most DNS-blocked, about 15 % dead everywhere, a few percent IP, some DPI, some clean.
    expect((verdicts.dns ?? 0) / 15000).toBeGreaterThan(0.6);
    expect((verdicts.down ?? 0) / 15000).toBeGreaterThan(0.13);
    expect((verdicts.down ?? 0) / 15000).toBeLessThan(0.17);
    expect(verdicts.ip).toBe(Math.round(15000 * MIX.ip_drop));
    expect(verdicts.dpi).toBeGreaterThan(100);
    expect(verdicts.ok).toBeGreaterThan(1000);
    // It fits the lab: site addresses in 198.18.16.0/20 below the gone /24, gone hosts in that /24.
    expect(worldSiteIps(scenarios).length).toBeLessThan(3800);
    expect(scenarios.filter((s) => s.world === 'gone').length).toBeLessThanOrEqual(254);
    // Thousands of names share certificates: `lab up` makes hundreds, not 15,000.
    expect(leafRequests(scenarios).length).toBeLessThan(1000);
  });

  it('is deterministic and keeps its mix in a strided subset', () => {
    expect(scenarioCsv(benchRows(1000))).toBe(scenarioCsv(benchRows(1000)));
    const rows = benchRows(15000);
    const sub = rows.filter((_, i) => i % 15 === 0);
    const full = kindCounts(15000);
    const share = (n: number, of: number) => n / of;
    const blockpage = sub.filter((r) => r.kind === 'dns_blockpage').length;
    expect(Math.abs(share(blockpage, sub.length) - share(full.dns_blockpage, 15000))).toBeLessThan(0.05);
  });

  it('gives every served host a certificate, own ones for a small lab', () => {
    const small = parseScenarios(scenarioCsv(benchRows(100)));
    const served = small.filter((s) => s.world === 'site');
    const own = leafRequests(small);
    expect(own.map((r) => r.label).sort()).toEqual(served.map((s) => s.host).sort());
    const big = parseScenarios(scenarioCsv(benchRows(15000)));
    const covered = new Set(leafRequests(big).flatMap((r) => r.names));
    for (const s of big.filter((x) => x.world === 'site')) expect(covered.has(s.host)).toBe(true);
  });
});
