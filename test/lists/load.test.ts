import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ListError } from '../../src/errors.js';
import { loadLists, mergeLists, parseListText, requireUsable, summarise } from '../../src/lists/index.js';

const fixtures = fileURLToPath(new URL('../fixtures/lists/', import.meta.url));
const repo = fileURLToPath(new URL('../../', import.meta.url));
const HEADER = 'url,category_code,category_description,date_added,source,notes';

describe('parseListText', () => {
  it('builds targets that keep the listed form and carry extra columns', () => {
    const text = `\uFEFF${HEADER},ips\n22bet.ελ ,GMB,Gambling,2026-07-29,HGC,IDN,\nhttp://thepiratebay.se/,COPY,Copyright infringement,2026-11-28,AEPI,dismissed,194.71.107.15\n`;
    const { entries, problems } = parseListText(text, 'x.csv');
    expect(problems).toEqual([]);
    expect(entries[0]).toEqual({
      input: '22bet.ελ', url: 'http://22bet.xn--qxam/', scheme: 'http', host: '22bet.xn--qxam', host_unicode: '22bet.ελ',
      port: null, path: '/', is_ip: false, category_code: 'GMB', list: 'x.csv', line: 2, source: 'HGC', notes: 'IDN',
      extra: { category_description: 'Gambling', date_added: '2026-07-29', ips: '' },
    });
    expect(entries[1]!.extra.ips).toBe('194.71.107.15');
  });

  it('tolerates a reordered header with only the required columns', () => {
    const { entries, problems } = parseListText('category_code,url\nNEWS,https://a.example.gr/\n', 'x.csv');
    expect(problems).toEqual([]);
    expect(entries.map((e) => [e.url, e.category_code, e.source, e.notes])).toEqual([['https://a.example.gr/', 'NEWS', '', '']]);
  });

  it('refuses a file without a header, naming line 1', () => {
    const r = parseListText('http://a.example.com/,GMB,Gambling,2026-07-29,x,\n', 'nohead.csv');
    expect(r.entries).toEqual([]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ file: 'nohead.csv', line: 1 });
    expect(r.problems[0]!.reason).toMatch(/^missing header: no url, category_code column/);
    expect(parseListText('', 'empty.csv').problems[0]!.reason).toMatch(/^missing header/);
  });

  it('rejects a bad IP in the ips column', () => {
    const r = parseListText(`${HEADER},ips\nhttp://a.example.com/,COPY,,,,,194.71.107.999\n`, 'x.csv');
    expect(r.problems.map((p) => [p.line, p.reason])).toEqual([[2, 'bad IP "194.71.107.999" in the ips column']]);
  });
});

describe('loadLists', () => {
  it('gives one error per bad row of the malformed fixture, each with its line, and keeps the good rows', async () => {
    const file = `${fixtures}malformed.csv`;
    const loaded = await loadLists([file]);
    expect(loaded.problems.map((p) => [p.file, p.line, p.reason])).toEqual([
      [file, 3, 'unsupported scheme "ftp"'],
      [file, 4, 'empty host'],
      [file, 5, expect.stringMatching(/^over-long label \(64 octets, max 63\)/)],
      [file, 6, 'bad URL: whitespace inside'],
      [file, 7, 'CSV quoting error: quote inside an unquoted field'],
      [file, 10, 'row has 7 fields, the header 6 (an unquoted comma?)'],
      [file, 11, 'empty category_code'],
      [file, 12, 'CSV quoting error: quote opened on line 12 is never closed'],
    ]);
    expect(loaded.problems[0]!.input).toBe('ftp://files.example.com/');
    expect(loaded.entries.map((e) => [e.line, e.url])).toEqual([
      [2, 'http://good.example.com/'],
      [8, 'https://ok.example.org/path?q=1'],
      [13, 'http://after.example.net/'],
      [14, 'http://22bet.xn--qxam/'],
    ]);
    expect(loaded.entries[1]!.notes).toBe('a note, with a comma');
    expect(loaded.duplicates).toEqual([{ file, line: 9, input: 'good.example.com', firstLine: 2, firstFile: file }]);
  });

  it('finds duplicates across files however they are spelled, keeping the first', () => {
    const a = parseListText(`${HEADER}\nhttp://1xbet.xn--3ds443g/,GMB,,,,\nhttps://b.example.com/,GMB,,,,\n`, 'a.csv');
    const b = parseListText(`${HEADER}\n1xbet.在线,GMB,,,,\nhttp://B.example.com:443/,GMB,,,,\nhttps://b.example.com:443/,GMB,,,,\n`, 'b.csv');
    const merged = mergeLists([a, b]);
    expect(merged.entries.map((e) => `${e.list}:${e.line}`)).toEqual(['a.csv:2', 'a.csv:3', 'b.csv:3']);
    expect(merged.duplicates).toEqual([
      { file: 'b.csv', line: 2, input: '1xbet.在线', firstLine: 2, firstFile: 'a.csv' },
      { file: 'b.csv', line: 4, input: 'https://b.example.com:443/', firstLine: 3, firstFile: 'a.csv' },
    ]);
  });

  it('throws ListError naming a file it cannot read', async () => {
    await expect(loadLists(['/nonexistent/list.csv'])).rejects.toMatchObject({ code: 'CP_LIST', message: expect.stringContaining('/nonexistent/list.csv') });
  });

  it('loads the shipped lists without errors: 14,934 + 17 + 46 rows', async () => {
    const files = ['lists/eeep.csv', 'lists/court-orders.csv', 'lists/gr.csv'].map((f) => repo + f);
    const loaded = await loadLists(files);
    expect(loaded.problems).toEqual([]);
    const { perFile } = summarise(loaded, files);
    expect(perFile.map((s) => s.entries + s.duplicates)).toEqual([14934, 17, 46]);
    // The regulator lists 1xbet.在线 and its punycode spelling: one site, measured once.
    expect(loaded.duplicates).toEqual([expect.objectContaining({ input: '1xbet.在线', file: files[0] })]);

    const eeep = loaded.entries.filter((e) => e.list === files[0]);
    expect(eeep.every((e) => e.category_code === 'GMB')).toBe(true);
    expect(eeep.filter((e) => e.port !== null).map((e) => e.input).sort()).toEqual(['lobby.slotocash.im:2572', 'lobby.uptownaces.eu:2072']);
    expect(eeep.filter((e) => e.is_ip).map((e) => e.host).sort()).toEqual(['184.168.126.69', '36.255.141.61']);
    expect(eeep.find((e) => e.input === 'snatchcasino.ιο')).toMatchObject({ host: 'snatchcasino.xn--uxam' });

    const court = loaded.entries.filter((e) => e.list === files[1]);
    expect(court.every((e) => e.category_code === 'COPY')).toBe(true);
    expect(court.filter((e) => e.is_ip).map((e) => e.host)).toEqual(['194.71.107.15', '93.190.139.103']);
    expect(court.find((e) => e.host === 'thepiratebay.se')?.extra.ips).toBe('194.71.107.15');
    expect(court.find((e) => e.host === 'ellinadiko.com')?.notes).toMatch(/4658\/2012/);
    expect(court.find((e) => e.host === 'h33t.com')?.notes).toMatch(/13478\/2014 \(22 Dec 2014\) dismissed/);
  });
});

describe('requireUsable', () => {
  it('refuses a list with errors, naming the first bad row and the count', async () => {
    const loaded = await loadLists([`${fixtures}malformed.csv`]);
    let err: unknown;
    try {
      requireUsable(loaded, { skipInvalid: false });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ListError);
    expect((err as ListError).message).toMatch(/malformed\.csv:3: unsupported scheme "ftp": ftp:\/\/files\.example\.com\/ and 7 more$/);
  });

  it('with skipInvalid measures the rest and says how many it skipped', async () => {
    const loaded = await loadLists([`${fixtures}malformed.csv`]);
    const usable = requireUsable(loaded, { skipInvalid: true });
    expect(usable.entries).toHaveLength(4);
    expect(usable.skipped).toBe(8);
    expect(usable.notice).toBe('lists: skipped 8 invalid rows, left out 1 duplicate; measuring 4 entries');
  });
});
