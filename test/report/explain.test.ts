import { describe, expect, it } from 'vitest';
import { explain, type Sentence } from '../../src/report/html/explain.js';
import { fill, SENTENCES, UI } from '../../src/report/html/i18n.js';
import { toRow } from '../../src/report/html/model.js';
import { loadRecords, standardEntries, writeRun } from './runs.js';

const placeholders = (t: string) => [...t.matchAll(/\{(\d+)\}/g)].map((m) => m[1]).sort().join();

describe('report words', () => {
  it('has every label and sentence in English and Greek, with the same placeholders', () => {
    for (const dict of [UI, SENTENCES] as Record<'en' | 'el', Record<string, string>>[]) {
      expect(Object.keys(dict.el).sort()).toEqual(Object.keys(dict.en).sort());
      for (const key of Object.keys(dict.en)) expect(placeholders(dict.el[key]!), key).toBe(placeholders(dict.en[key]!));
    }
  });
});

describe('plain-language explanation', () => {
  const render = (xs: Sentence[], lang: 'en' | 'el') => xs.map(([code, ...p]) => fill(SENTENCES[lang][code], p));

  it('explains each kind of block from the record, in both languages', async () => {
    const records = new Map((await loadRecords(writeRun(standardEntries()))).map((r) => [r.input, r]));
    const say = (input: string, lang: 'en' | 'el' = 'en') => render(explain(records.get(input)!), lang);
    expect(say('bet365.com')).toEqual([
      "The ISP's resolver said bet365.com does not exist.",
      'Resolvers abroad give 198.18.16.1, which answers normally from here.',
    ]);
    expect(say('bet365.com', 'el')).toEqual([
      'Ο DNS του παρόχου απάντησε ότι το bet365.com δεν υπάρχει.',
      'Οι DNS του εξωτερικού δίνουν 198.18.16.1, που απαντά κανονικά από εδώ.',
    ]);
    expect(say('22bet.ελ')).toEqual([
      "The ISP's resolver sent 22bet.ελ to 83.235.64.20, a blockpage server.",
      'Resolvers abroad give 198.18.16.2, which answers normally from here.',
      'What came back matches the fingerprint "ote-eeep" (OTE/Cosmote (AS6799)).',
    ]);
    expect(say('cyta-style.com')[1]).toBe('It put 78.87.2.91 in the ADDITIONAL section of the reply instead, where ordinary clients do not look.');
    expect(say('thepiratebay.se')).toEqual([
      'Resolvers abroad give 194.71.107.15, which cannot be reached from here.',
      'Connections to 194.71.107.15:80 from here go unanswered (packets dropped) whatever name is used, while the control abroad connects: the address itself is blocked.',
    ]);
    expect(say('https://sni-blocked.com/')[1]).toMatch(/^The site's address 198\.18\.16\.12 answers when an innocuous name is used, but the connection is cut when the name sni-blocked\.com is sent in the TLS handshake \(SNI\)/);
    expect(say('www.rivernilecasino.net/index.asp')[1]).toBe("The site's front page loads, but the listed page /index.asp is blocked: the ISP filters this exact URL.");
    expect(say('open-site.org')).toEqual(['A page of the site was fetched from here: not blocked.']);
    expect(say('dead-casino.com')[0]).toMatch(/^The site does not work from abroad either/);
    expect(say('flaky.com', 'el')).toEqual(['Οι DNS του εξωτερικού δίνουν 198.18.16.17, που δεν είναι προσβάσιμο από εδώ.', 'Δεν ήταν δυνατό να διακριθεί αποκλεισμός από βλάβη: 198.18.16.17:80 cannot be reached from here and the control failed (generic_timeout_error), so an outage cannot be told from a block']);
  });

  it('keeps the analysis evidence as the technical record of a row', async () => {
    const [r] = await loadRecords(writeRun(standardEntries().slice(0, 1)));
    expect(toRow(r!)).toMatchObject({ i: 'bet365.com', v: 'dns', k: ['dns:nxdomain'], e: ["the ISP's resolver said the name does not exist (NXDOMAIN) for bet365.com", 'resolvers abroad give 198.18.16.1 (doh)'] });
  });
});
