import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { asnDataInfo, asnOf, openAsnDb, openAsnTable } from '../../src/isp/asn.js';
import { ipBytes } from '../../src/ip.js';
import { buildAsnTable } from '../../scripts/build-asn.js';
import { buildMmdb } from './mmdb-fixture.js';

const tmp = mkdtempSync(join(tmpdir(), 'cp-asn-'));

describe('shipped ASN table', () => {
  it('names the networks of the Greek blockpage and resolver addresses', () => {
    expect(asnOf('83.235.64.20')?.asn).toBe(6799); // OTE's 2014 blockpage
    expect(asnOf('195.170.0.1')?.asn).toBe(6799); // Cosmote resolver
    expect(asnOf('2a02:587:101:0:195:170:0:1')?.asn).toBe(6799);
    expect(asnOf('62.1.46.55')?.asn).toBe(1241); // Forthnet, now Nova
    expect(asnOf('62.169.194.8')?.asn).toBe(25472); // Wind, now Nova
    expect(asnOf('::ffff:83.235.64.20')?.asn).toBe(6799);
  });

  it('knows no AS for the lab, private and loopback ranges', () => {
    for (const ip of ['198.18.0.1', '198.19.255.254', '10.1.2.3', '192.168.1.1', '127.0.0.1', '::1', 'fd00::1']) {
      expect(asnOf(ip), ip).toBeNull();
    }
    expect(asnOf('garbage')).toBeNull();
  });

  it('records the data set, its version and licence', () => {
    const info = asnDataInfo();
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string> };
    expect(info.dataset).toBe('@ip-location-db/asn');
    expect(info.version).toBe(pkg.devDependencies['@ip-location-db/asn']);
    expect(info.licence).toMatch(/CC BY 4\.0/);
  });

  // The compaction must not move any range: sample rows of the source CSV and look up both ends.
  const source = new URL('../../node_modules/@ip-location-db/asn/', import.meta.url);
  it('agrees with the source CSV at the ends of sampled ranges', () => {
    for (const name of ['asn-ipv4.csv', 'asn-ipv6.csv']) {
      const rows = parse(readFileSync(new URL(name, source), 'utf8'), { relax_column_count: true }) as string[][];
      let checked = 0;
      for (let i = 0; i < rows.length; i += 1999) {
        const [start = '', end = '', asn = ''] = rows[i] ?? [];
        const prevEnd = ipBytes(rows[i - 1]?.[1] ?? '0.0.0.0');
        // Skip the rare rows the source lets overlap with the one before.
        if (i > 0 && prevEnd !== null && Buffer.compare(Buffer.from(ipBytes(start) ?? []), Buffer.from(prevEnd)) <= 0) continue;
        expect(asnOf(start)?.asn, `${name} row ${i + 1} ${start}`).toBe(Number(asn));
        expect(asnOf(end)?.asn, `${name} row ${i + 1} ${end}`).toBe(Number(asn));
        checked++;
      }
      expect(checked).toBeGreaterThan(40);
    }
  });
});

describe('buildAsnTable', () => {
  const r = (start: string, end: string, asn: number, org: string) => ({ start: ipBytes(start)!, end: ipBytes(end)!, asn, org });
  const file = join(tmp, 'small.bin.gz');
  writeFileSync(
    file,
    buildAsnTable(
      [r('1.0.0.0', '1.0.0.255', 13335, 'CF'), r('1.0.1.0', '1.0.1.255', 13335, 'CF'), r('5.0.0.0', '5.0.0.0', 7, 'Seven'), r('5.0.0.0', '5.0.0.9', 8, 'Overlap')],
      [r('2001:db8::', '2001:db8::ffff', 64500, 'Doc')],
      { dataset: 'test', version: '1', licence: 'none' },
    ),
  );
  const db = openAsnTable(file);

  it('merges adjacent ranges and leaves holes empty', () => {
    expect(db.lookup('0.255.255.255')).toBeNull();
    expect(db.lookup('1.0.0.0')).toEqual({ asn: 13335, org: 'CF' });
    expect(db.lookup('1.0.1.255')).toEqual({ asn: 13335, org: 'CF' });
    expect(db.lookup('1.0.2.0')).toBeNull();
    expect(db.lookup('5.0.0.0')?.asn).toBe(7);
    expect(db.lookup('5.0.0.1')?.asn).toBe(8); // the overlapping row starts after the first
    expect(db.lookup('5.0.0.10')).toBeNull();
    expect(db.lookup('255.255.255.255')).toBeNull();
    expect(db.lookup('2001:db8::ff')).toEqual({ asn: 64500, org: 'Doc' });
    expect(db.lookup('2001:db8::1:0')).toBeNull();
    expect(db.info.version).toBe('1');
  });

  it('refuses a file that is not a table', () => {
    const bad = join(tmp, 'bad.bin.gz');
    writeFileSync(bad, gzipSync(Buffer.from('nonsense')));
    expect(() => openAsnTable(bad)).toThrow(expect.objectContaining({ code: 'CP_ASN_DATA' }));
    expect(() => openAsnTable(join(tmp, 'missing.gz'))).toThrow(expect.objectContaining({ code: 'CP_ASN_DATA' }));
  });
});

describe('--asn-db (MaxMind format)', () => {
  const file = join(tmp, 'asn.mmdb');
  writeFileSync(
    file,
    buildMmdb({
      '83.235.0.0/16': { autonomous_system_number: 6799, autonomous_system_organization: 'OTE SA' },
      '62.1.46.55/32': { autonomous_system_number: 1241, autonomous_system_organization: 'Forthnet' },
    }),
  );

  it('looks addresses up in the given database instead of the shipped one', () => {
    const db = openAsnDb({ asnDb: file });
    expect(db.lookup('83.235.64.20')).toEqual({ asn: 6799, org: 'OTE SA' });
    expect(db.lookup('62.1.46.55')).toEqual({ asn: 1241, org: 'Forthnet' });
    expect(db.lookup('62.1.46.56')).toBeNull();
    expect(db.lookup('1.1.1.1')).toBeNull(); // the shipped table would know this one
    expect(db.info).toMatchObject({ format: 'mmdb', dataset: 'GeoLite2-ASN', version: '2026-07-29', file });
  });

  it('refuses a file that is not a MaxMind database', () => {
    const bad = join(tmp, 'bad.mmdb');
    writeFileSync(bad, 'not a database');
    expect(() => openAsnDb({ asnDb: bad })).toThrow(expect.objectContaining({ code: 'CP_ASN_DATA' }));
  });
});

describe('answerAsns', () => {
  it('gives the AS of every address in every section, once each', async () => {
    const { answerAsns } = await import('../../src/isp/answers.js');
    const q = (answers: { section: 'answer' | 'additional'; ipv4?: string; ipv6?: string }[]) =>
      ({ answers: answers.map((a) => ({ ...a, answer_type: a.ipv4 ? 'A' : 'AAAA', hostname: 'x', ttl: 60 })) }) as unknown as import('../../src/observations.js').DnsQuery;
    const db = openAsnTable();
    const got = answerAsns([q([{ section: 'answer', ipv4: '83.235.64.20' }]), q([{ section: 'additional', ipv4: '198.18.1.80' }, { section: 'answer', ipv6: '2a02:587:101:0:195:170:0:1' }])], db);
    expect([...got.keys()]).toEqual(['83.235.64.20', '198.18.1.80', '2a02:587:101:0:195:170:0:1']);
    expect(got.get('83.235.64.20')?.asn).toBe(6799);
    expect(got.get('198.18.1.80')).toBeNull();
    expect(got.get('2a02:587:101:0:195:170:0:1')?.asn).toBe(6799);
  });
});
