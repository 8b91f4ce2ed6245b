import { describe, expect, it } from 'vitest';
import { benchRows, kindCounts, MIX, PAGE_CLASSES, pageClasses, scenarioCsv } from '../../bench/scenarios.js';
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

  it('gives served sites pages of real sizes: 8-256 KiB, mean about 70 KB, in a few shared sizes', () => {
    const scenarios = parseScenarios(scenarioCsv(benchRows(15000)));
    const sizes = scenarios.filter((s) => s.world === 'site').map((s) => s.pageBytes as number);
    expect(sizes.every((b) => b >= 8 * 1024 && b <= 256 * 1024)).toBe(true);
    const meanKb = sizes.reduce((a, b) => a + b, 0) / sizes.length / 1000;
    expect(meanKb).toBeGreaterThan(65);
    expect(meanKb).toBeLessThan(75);
    // Log-normal: the median below the mean, both ends of the range reached.
    const sorted = [...sizes].sort((a, b) => a - b);
    expect(sorted[sorted.length >> 1]! / 1000).toBeLessThan(meanKb);
    expect(sorted[0]).toBe(8 * 1024);
    expect(sorted[sorted.length - 1]).toBe(256 * 1024);
    // Shared by many hosts: the lab writes one file per size and category.
    expect(new Set(sizes).size).toBeLessThanOrEqual(PAGE_CLASSES);
    expect(pageClasses()).toHaveLength(PAGE_CLASSES);
    // Dead sites serve nothing.
    expect(scenarios.filter((s) => s.world !== 'site').every((s) => s.pageBytes === null)).toBe(true);
  });

  it('keeps the list of the seed before pages had sizes (names, schemes, kinds)', () => {
    const rows = benchRows(15000);
    // The first rows as they were: page sizes come from a stream of their own.
    expect(rows.slice(0, 3).map((r) => `${r.kind} ${r.input}`)).toEqual(FIRST_ROWS);
  });
});


/** benchRows(15000)'s first rows as generated before page sizes were added (seed 20140). */
const FIRST_ROWS = ['dns_blockpage https://starcasino00000.com/', 'dns_blockpage https://luckyspin00001.eu/', 'dead_nowhere https://slotplay00002.ελ/'];
