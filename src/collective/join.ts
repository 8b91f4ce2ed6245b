// `censorprobe join URL --token T`: checks the server and the token, shows what will be shared
// (Greek and English), and on agreement saves the collective for later runs and uploads.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { request } from 'undici';
import { askWhoami, helperDispatcher, resolveHelper } from '../control/client.js';
import type { CaOption } from '../net/certificate.js';
import type { Guard } from '../net/guard.js';
import { saveCollective } from './config.js';
import { CollectiveClientError } from './errors.js';
import { MEMBER_PATH } from './paths.js';
import { SHARING_VERSION, sharingText } from './sharing.js';

export interface JoinOptions {
  url: string;
  token: string;
  guard: Guard;
  ca?: CaOption;
  accept: boolean;
  interactive: boolean;
  input: Readable;
  output: Writable;
  env?: NodeJS.ProcessEnv;
}

export interface Joined {
  url: string;
  member: string;
  file: string;
}

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').trim().toLocaleLowerCase('el');
const YES = new Set(['yes', 'y', 'ναι', 'ν', 'nai']);

export function normaliseCollectiveUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CollectiveClientError(`"${url}" is not a URL`, { hint: 'give the collective\'s address, e.g. https://collective.example.org/' });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new CollectiveClientError(`"${url}" must be http(s)`);
  if (u.username || u.password || u.search || u.hash) throw new CollectiveClientError(`"${url}" must not hold credentials, a query or a fragment`);
  return u.href.replace(/\/+$/, '');
}

/** The member name a token belongs to on the server, or a clear error. */
export async function checkMember(url: string, token: string, guard: Guard, ca?: CaOption): Promise<string> {
  const helper = await resolveHelper(url, guard);
  const d = helperDispatcher(helper, ca);
  try {
    const res = await request(`${helper.base.origin}${helper.base.pathname.replace(/\/+$/, '')}${MEMBER_PATH}`, { dispatcher: d, headers: { authorization: `Bearer ${token}` }, headersTimeout: 15_000, bodyTimeout: 15_000 });
    const body = (await res.body.json().catch(() => ({}))) as { name?: unknown; error?: unknown };
    if (res.statusCode === 401) throw new CollectiveClientError(`the collective at ${url} does not know this token (or it was revoked)`, { hint: 'ask the group for a new one' });
    if (res.statusCode !== 200 || typeof body.name !== 'string') throw new CollectiveClientError(`the collective at ${url} answered ${res.statusCode} to the token check${typeof body.error === 'string' ? `: ${body.error}` : ''}`);
    return body.name;
  } catch (err) {
    if (err instanceof CollectiveClientError) throw err;
    throw new CollectiveClientError(`cannot reach the collective at ${url}: ${(err as Error).message}`);
  } finally {
    await d.destroy().catch(() => undefined);
  }
}

export async function join(o: JoinOptions): Promise<Joined | null> {
  const url = normaliseCollectiveUrl(o.url);
  const health = await askWhoami(url, { guard: o.guard, timeoutMs: 15_000, ...(o.ca ? { ca: o.ca } : {}) });
  if (health.failure !== null) throw new CollectiveClientError(`the collective at ${url} does not answer /health (${health.failure})`, { hint: 'check the address; the server runs `censorprobe collective serve`' });
  const member = await checkMember(url, o.token, o.guard, o.ca);
  o.output.write(`${sharingText('el', url)}\n${sharingText('en', url)}\n`);
  if (!o.accept) {
    if (!o.interactive) throw new CollectiveClientError('joining needs your agreement, and there is no terminal to ask on', { hint: 'run it in a terminal, or pass --accept after reading the text above' });
    const rl = createInterface({ input: o.input, terminal: false });
    o.output.write('Συμμετοχή; / Join? [ναι/yes, όχι/no]: ');
    const next = await rl[Symbol.asyncIterator]().next();
    rl.close();
    if (next.done === true || !YES.has(fold(String(next.value)))) {
      o.output.write('\nΔεν έγινε συμμετοχή. / Not joined.\n');
      return null;
    }
  }
  const file = await saveCollective({ url, token: o.token, joined_at: new Date().toISOString(), sharing_version: SHARING_VERSION }, o.env);
  return { url, member, file };
}
