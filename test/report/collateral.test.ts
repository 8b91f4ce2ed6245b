// Collateral damage and the site's own refusal, as report.json, the HTML page and diff carry them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/report/diff.js';
import { collectReport } from '../../src/report/html/model.js';
import { renderRunPage } from '../../src/report/html/page.js';
import { ORDER_IP, standardEntries, writeRun } from './runs.js';

describe('collateral damage of IP blocks', () => {
  const dir = writeRun([
    ...standardEntries(),
    { input: 'www.efsyn.gr', outcome: 'ip:drop', category: 'NEWS', truth: [ORDER_IP], list: 'lists/gr.csv' },
    { input: 'refuses-greece.com', outcome: 'geoblock' },
  ]);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
    counts: Record<string, number>;
    collateral: { address: string; entries: number; bystanders: number; sharing: { input: string; bystander: boolean; list: string }[] }[];
  };

  it('lists every entry sharing an IP-blocked address, the bystanders from the OONI Greek list marked', () => {
    expect(report.collateral).toHaveLength(1);
    const [c] = report.collateral;
    expect(c).toMatchObject({ address: ORDER_IP, entries: 4, bystanders: 1 });
    expect(c!.sharing[0]).toMatchObject({ input: 'www.efsyn.gr', bystander: true, list: 'gr.csv' });
    expect(c!.sharing.map((s) => s.input).sort()).toEqual([ORDER_IP, 'innocent-neighbour.gr', 'thepiratebay.se', 'www.efsyn.gr'].sort());
  });

  it('counts geoblock apart from the blocks', () => {
    expect(report.counts.geoblock).toBe(1);
  });

  it('shows both on the HTML page', async () => {
    const html = renderRunPage(await collectReport(dir, () => undefined));
    expect(html).toContain('id="collateral"');
    expect(html).toContain('www.efsyn.gr');
    expect(html).toContain('id="geoblock"');
    expect(html).toContain('the site refuses visitors from Greece itself');
  });

  it('diff counts the site\'s own refusal apart, never as a block or an unblock', () => {
    expect(classify({ verdict: 'ok', kinds: [] }, { verdict: 'geoblock', kinds: [] })).toBe('site_refuses');
    expect(classify({ verdict: 'dns', kinds: ['dns:nxdomain'] }, { verdict: 'geoblock', kinds: [] })).toBe('site_refuses');
    expect(classify({ verdict: 'geoblock', kinds: [] }, { verdict: 'ok', kinds: [] })).toBe('site_admits');
  });
});
