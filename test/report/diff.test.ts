import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { classify, diffRuns, formatDiff, orderIpsFromList, writeDiff } from '../../src/report/diff.js';
import { ORDER_IP, scenario, standardEntries, writeRun } from './runs.js';

const ISP = { name: 'OTE', asn: 'AS6799' };

/** June and November runs of one ISP under different scenarios. */
function twoDays() {
  const june = writeRun(standardEntries(), { isp: ISP, start: new Date('2026-06-01T10:00:00Z'), seed: 3 });
  const november = writeRun(
    scenario({ 'bet365.com': 'dpi:sni', 'open-site.org': 'dns:nxdomain', 'reset.io': 'ok', 'icmp.io': null, 'flaky.com': 'ok', 'casinoin.ελ': 'dns:nxdomain' }, [
      { input: 'new-casino.com', outcome: 'dns:nxdomain' },
    ]),
    { isp: ISP, start: new Date('2026-11-20T10:00:00Z'), seed: 4 },
  );
  return { june, november };
}

describe('report diff', () => {
  it('finds newly blocked, unblocked, method changes, and entries added to or removed from the list', async () => {
    const { june, november } = twoDays();
    const d = await diffRuns(june, november, { warn: () => undefined });
    const by = (kind: string) => d.changes.filter((c) => c.change === kind).map((c) => c.input);
    expect(by('newly_blocked')).toEqual(['open-site.org']);
    expect(by('unblocked')).toEqual(['reset.io']);
    // DNS → DPI is a new method; NXDOMAIN instead of REFUSED is the same layer but a new kind.
    expect(by('method_changed')).toEqual(['bet365.com', 'casinoin.ελ']);
    expect(by('added')).toEqual(['new-casino.com']);
    expect(by('removed')).toEqual(['icmp.io']);
    expect(d.counts).toMatchObject({ newly_blocked: 1, unblocked: 1, method_changed: 2, added: 1, removed: 1 });
    // flaky.com went from inconclusive to ok: nothing can be said to have changed.
    expect(d.changes.some((c) => c.input === 'flaky.com')).toBe(false);
    expect(d.counts.unchanged).toBe(standardEntries().length - 1 - 4);
    const text = formatDiff(d);
    expect(text).toContain('method changed: "bet365.com" dns:nxdomain → dpi:sni');
    expect(text).toContain('newly blocked: "open-site.org" ok → dns:nxdomain');
  });

  it('gives the court-order view: still a black hole since the old run, and the names on it now', async () => {
    const { june, november } = twoDays();
    const list = join(mkdtempSync(join(tmpdir(), 'cp-orders-')), 'orders.csv');
    writeFileSync(list, `url,category_code,category_description,date_added,source,notes,ips\nhttp://activeloads.com/,COPY,,2026-11-28,AEPI,,93.190.139.103\nhttp://${ORDER_IP}/,COPY,,2026-11-28,AEPI,,\n`);
    const orderIps = orderIpsFromList(list);
    expect(orderIps.sort()).toEqual(['93.190.139.103', ORDER_IP].sort());
    const d = await diffRuns(june, november, { orderIps, warn: () => undefined });
    const ip = d.orders.find((o) => o.ip === ORDER_IP)!;
    expect(ip).toEqual({
      ip: ORDER_IP,
      old: 'unreachable',
      new: 'unreachable',
      still_unreachable: true,
      unreachable_since: '2026-06-01 10:00:00',
      days: 172,
      names_now: ['innocent-neighbour.gr', 'thepiratebay.se'],
    });
    expect(d.orders.find((o) => o.ip === '93.190.139.103')).toMatchObject({ old: 'not_measured', new: 'not_measured', still_unreachable: false, names_now: [] });
    expect(formatDiff(d)).toContain(`order IP ${ORDER_IP}: still unreachable since at least 2026-06-01 10:00:00 (172 days); names on it now: innocent-neighbour.gr, thepiratebay.se`);

    const out = mkdtempSync(join(tmpdir(), 'cp-diff-'));
    writeDiff(d, out);
    const orders = parse(readFileSync(join(out, 'orders.csv'), 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
    expect(orders.find((o) => o.ip === ORDER_IP)).toMatchObject({ still_unreachable: 'true', days: '172', names_now: 'innocent-neighbour.gr thepiratebay.se' });
    const changes = parse(readFileSync(join(out, 'diff.csv'), 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
    expect(changes.find((c) => c.input === 'bet365.com')).toMatchObject({ change: 'method_changed', old_method: 'dns:nxdomain', new_method: 'dpi:sni' });
    expect(JSON.parse(readFileSync(join(out, 'diff.json'), 'utf8')).counts.removed).toBe(1);
  });

  it('notices an order IP that answers again', async () => {
    const before = writeRun(standardEntries(), { isp: ISP, start: new Date('2026-06-01T10:00:00Z') });
    const after = writeRun(scenario({ [ORDER_IP]: 'ok', 'thepiratebay.se': 'ok', 'innocent-neighbour.gr': 'ok' }), { isp: ISP, start: new Date('2026-07-01T10:00:00Z') });
    const d = await diffRuns(before, after, { warn: () => undefined });
    expect(d.orders.find((o) => o.ip === ORDER_IP)).toMatchObject({ old: 'unreachable', new: 'reachable', still_unreachable: false, unreachable_since: null, days: null });
    expect(d.changes.filter((c) => c.change === 'unblocked').map((c) => c.input).sort()).toEqual([ORDER_IP, 'innocent-neighbour.gr', 'thepiratebay.se'].sort());
  });

  it('classifies outcomes', () => {
    const o = (verdict: string, kinds: string[] = []) => ({ verdict, kinds }) as Parameters<typeof classify>[0];
    expect(classify(o('ok'), o('dns', ['dns:nxdomain']))).toBe('newly_blocked');
    expect(classify(o('dns', ['dns:nxdomain']), o('ok'))).toBe('unblocked');
    expect(classify(o('dns', ['dns:nxdomain']), o('down'))).toBeNull();
    expect(classify(o('dns', ['dns:nxdomain']), o('dns', ['dns:nxdomain']))).toBeNull();
    expect(classify(o('dns', ['dns:nxdomain']), o('dns', ['dns:nxdomain', 'ip:drop']))).toBe('method_changed');
    expect(classify(null, o('ok'))).toBe('added');
    expect(classify(o('ok'), null)).toBe('removed');
  });
});
