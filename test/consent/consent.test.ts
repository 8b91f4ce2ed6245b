import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FOREIGN } from '../../src/commands/run.js';
import { CONSENT_VERSION, consentFile, consentText, ensureConsent, hasConsented, recordConsent } from '../../src/consent/index.js';
import { operatorOf } from '../../src/consent/operators.js';

const facts = {
  lists: [{ file: '/x/lists/eeep.csv', entries: 14934 }, { file: 'lists/gr.csv', entries: 46 }],
  total: 14997,
  courtOrders: 17,
  foreign: DEFAULT_FOREIGN,
  control: 'https://helper.example/',
};

function freshEnv(): NodeJS.ProcessEnv {
  return { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'cp-consent-')), HOME: '/nonexistent' };
}

function capture() {
  const chunks: string[] = [];
  const output = new PassThrough();
  output.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return { output, text: () => chunks.join('') };
}

const ask = (answers: string, env: NodeJS.ProcessEnv, o: { accept?: boolean; interactive?: boolean } = {}) => {
  const out = capture();
  const result = ensureConsent({ accept: o.accept ?? false, interactive: o.interactive ?? true, input: Readable.from([answers]), output: out.output, facts, env });
  return { result, out };
};

describe('consent text', () => {
  it('states the lists, the counts, the legal context and what the reports hold, in both languages', () => {
    const el = consentText('el', facts);
    const en = consentText('en', facts);
    expect(en).toContain('eeep.csv: 14,934 addresses');
    expect(en).toContain('14,997 addresses');
    expect(el).toContain('eeep.csv: 14.934 διευθύνσεις');
    for (const t of [el, en]) {
      expect(t).toContain('4002/2011');
      expect(t).toMatch(/52/);
      expect(t).toContain('hgc.gov.gr');
    }
    expect(en).toMatch(/buys nothing, plays nothing/);
    expect(en).toMatch(/never contain: your public IP address/);
    expect(el).toMatch(/Δεν γράφονται ποτέ: η δημόσια διεύθυνση IP σας/);
    expect(el).not.toBe(en);
  });

  it('names the operator of every default resolver abroad, the control helper, the court-ordered IPs, time and bytes, and the collective', () => {
    const el = consentText('el', facts);
    const en = consentText('en', facts);
    const operators = new Set(DEFAULT_FOREIGN.map((s) => operatorOf(s).operator));
    expect(operators.has(null)).toBe(false);
    expect([...operators].sort()).toEqual(['Cloudflare', 'Google', 'Quad9']);
    for (const t of [el, en]) {
      for (const op of operators) expect(t).toMatch(new RegExp(`^\\s+${op}: `, 'm'));
      for (const spec of DEFAULT_FOREIGN) expect(t).toContain(operatorOf(spec).host);
      expect(t).toContain('https://helper.example/');
      expect(t).toContain('--no-court-orders');
      expect(t).toContain('court-orders.csv');
      expect(t).toMatch(/8-10/);
      expect(t).toMatch(/50 MB/);
      expect(t).toMatch(/95 MB/);
      expect(t).toContain('--max-rate');
    }
    expect(en).toContain('17 IP addresses named in court orders');
    expect(en).toMatch(/Cloudflare: 1\.1\.1\.1 \(DoH, UDP\)/);
    expect(en).toMatch(/unless you share them yourself or join a\s+collective/);
    expect(el).toMatch(/ενταχθείτε σε μια συλλογικότητα/);
    // Without a helper or court orders the text says so rather than naming them.
    const bare = consentText('en', { ...facts, courtOrders: 0, control: null, foreign: ['udp://198.18.3.53:53'] });
    expect(bare).toContain('No control helper');
    expect(bare).toContain('without the IP addresses named in court orders');
    expect(bare).toMatch(/operator unknown: 198\.18\.3\.53 \(UDP\)/);
  });

  it('has a version that depends on the wording only', () => {
    expect(CONSENT_VERSION).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('consent store', () => {
  it('lives under XDG_CONFIG_HOME, else ~/.config, and ignores a relative XDG path', () => {
    expect(consentFile({ XDG_CONFIG_HOME: '/cfg', HOME: '/home/v' })).toBe('/cfg/censorprobe/consent.json');
    expect(consentFile({ HOME: '/home/v' })).toBe('/home/v/.config/censorprobe/consent.json');
    expect(consentFile({ XDG_CONFIG_HOME: 'rel', HOME: '/home/v' })).toBe('/home/v/.config/censorprobe/consent.json');
  });

  it('remembers consent per version of the text: a changed text asks again', async () => {
    const env = freshEnv();
    expect(await hasConsented({ env })).toBe(false);
    const file = await recordConsent('interactive', { env, version: 'old-text' });
    expect(await hasConsented({ env, version: 'old-text' })).toBe(true);
    expect(await hasConsented({ env })).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('ensureConsent', () => {
  for (const yes of ['yes', 'ναι', 'ΝΑΙ', 'Ναί', 'y']) {
    it(`proceeds on "${yes}" and remembers it`, async () => {
      const env = freshEnv();
      const { result, out } = ask(`${yes}\n`, env);
      expect(await result).toBe(true);
      expect(out.text()).toContain('τι θα γίνει αν συνεχίσετε');
      expect(out.text()).toContain('what will happen if you go on');
      expect(await hasConsented({ env })).toBe(true);
      const saved = JSON.parse(readFileSync(consentFile(env), 'utf8'));
      expect(saved.versions[CONSENT_VERSION].via).toBe('interactive');
      // Remembered: the next run neither asks nor reads input.
      const again = ask('', env, { interactive: false });
      expect(await again.result).toBe(true);
      expect(again.out.text()).toBe('');
    });
  }

  for (const no of ['no', 'όχι', 'n']) {
    it(`stops on "${no}" and remembers nothing`, async () => {
      const env = freshEnv();
      const { result, out } = ask(`${no}\n`, env);
      expect(await result).toBe(false);
      expect(out.text()).toContain('Nothing was measured');
      expect(await hasConsented({ env })).toBe(false);
    });
  }

  it('asks again on an unclear answer, and stops when input ends', async () => {
    const env = freshEnv();
    const first = ask('maybe\nναι\n', env);
    expect(await first.result).toBe(true);
    expect(first.out.text()).toContain('Please answer yes or no');
    const env2 = freshEnv();
    expect(await ask('maybe\n', env2).result).toBe(false);
    expect(await hasConsented({ env: env2 })).toBe(false);
  });

  it('accepts --accept without asking, and records how', async () => {
    const env = freshEnv();
    const { result, out } = ask('', env, { accept: true, interactive: false });
    expect(await result).toBe(true);
    expect(out.text()).toContain('--accept');
    expect(JSON.parse(readFileSync(consentFile(env), 'utf8')).versions[CONSENT_VERSION].via).toBe('--accept');
  });

  it('refuses without a terminal and without --accept, saying to pass --accept', async () => {
    const env = freshEnv();
    await expect(ask('yes\n', env, { interactive: false }).result).rejects.toMatchObject({ code: 'CP_CONSENT', hint: expect.stringContaining('--accept') });
    expect(await hasConsented({ env })).toBe(false);
  });
});
