// The gate before the first `run`: shows the text (Greek, then English) and proceeds only on an
// interactive yes or `--accept`. Without a terminal and without --accept it stops with a clear
// error rather than measuring without consent.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { CensorprobeError } from '../errors.js';
import { hasConsented, recordConsent } from './store.js';
import { CONSENT_VERSION, consentText, type ConsentFacts } from './text.js';

/** No consent on record, no terminal to ask on, and no --accept. */
export class ConsentRequiredError extends CensorprobeError {
  override readonly code = 'CP_CONSENT';
}

export interface EnsureConsentOptions {
  accept: boolean;
  interactive: boolean;
  input: Readable;
  output: Writable;
  facts: ConsentFacts;
  env?: NodeJS.ProcessEnv;
}

const ATTEMPTS = 3;
// Compared without accents or case: ΝΑΙ, Ναι, ναί, nai all say yes.
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').trim().toLocaleLowerCase('el');
const YES = new Set(['yes', 'y', 'ναι', 'ν', 'nai']);
const NO = new Set(['no', 'n', 'οχι', 'ο', 'oxi', 'ochi']);

/** Resolves true when the user has agreed (now or before), false when they declined. */
export async function ensureConsent(o: EnsureConsentOptions): Promise<boolean> {
  const env = o.env ?? process.env;
  if (await hasConsented({ env })) return true;
  if (o.accept) {
    await recordConsent('--accept', { env });
    o.output.write(`censorprobe: consent given with --accept (text version ${CONSENT_VERSION}; read it in docs/volunteers.md)\n`);
    return true;
  }
  if (!o.interactive) {
    throw new ConsentRequiredError('this first run needs your consent, and there is no terminal to ask on', {
      hint: 'run it once in a terminal to read what it does, or pass --accept after reading docs/volunteers.md',
    });
  }
  o.output.write(`${consentText('el', o.facts)}\n${consentText('en', o.facts)}\n`);
  const rl = createInterface({ input: o.input, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  try {
    for (let i = 0; i < ATTEMPTS; i++) {
      o.output.write('Συνεχίζουμε; / Go on? [ναι/yes, όχι/no]: ');
      const next = await lines.next();
      if (next.done === true) break;
      const answer = fold(String(next.value));
      if (YES.has(answer)) {
        const file = await recordConsent('interactive', { env });
        o.output.write(`\nΕυχαριστούμε. / Thank you. (remembered in ${file})\n`);
        return true;
      }
      if (NO.has(answer)) break;
      o.output.write('Απαντήστε ναι ή όχι. / Please answer yes or no.\n');
    }
  } finally {
    rl.close();
  }
  o.output.write('\nΔεν έγινε καμία μέτρηση. / Nothing was measured.\n');
  return false;
}
