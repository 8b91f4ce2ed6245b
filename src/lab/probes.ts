// dig, curl and openssl run inside a lab namespace, with their outcomes parsed: the tools `lab
// verify` proves the ground truth with. Every target address passes the guard first.
import { NetGuard } from '../net/guard.js';
import { inNs } from './shell.js';
import { ONLY_NETS } from './topology.js';

export const labGuard = new NetGuard([ONLY_NETS]);

export interface DigResult {
  /** Rcode, or null when no reply came. */
  status: string | null;
  answer: string[];
  additional: string[];
  raw: string;
}

function section(out: string, name: string): string[] {
  const start = out.indexOf(`;; ${name} SECTION:`);
  if (start < 0) return [];
  const lines = out.slice(start).split('\n').slice(1);
  const end = lines.findIndex((l) => l.trim() === '');
  return (end < 0 ? lines : lines.slice(0, end)).map((l) => /\sIN\s+A\s+(\S+)\s*$/.exec(l)?.[1]).filter((v): v is string => !!v);
}

export async function dig(ns: string, server: string, name: string, extra: string[] = []): Promise<DigResult> {
  labGuard.check(server, `dig ${name}`);
  const r = await inNs(ns, ['dig', '+time=2', '+tries=1', `@${server}`, name, 'A', ...extra], { timeoutMs: 6000 });
  const status = /status: ([A-Z]+)/.exec(r.stdout)?.[1] ?? null;
  return { status, answer: section(r.stdout, 'ANSWER'), additional: section(r.stdout, 'ADDITIONAL'), raw: r.stdout };
}

export type Outcome = 'ok' | 'timeout' | 'refused' | 'unreachable' | 'reset' | 'other';

export interface CurlResult {
  outcome: Outcome;
  code: number;
  location: string;
  body: string;
  ms: number;
  error: string;
}

const MARK = '\nCP-CURL:';

export async function curl(
  ns: string,
  url: string,
  opts: { ip?: string; ca: string; connectTimeout?: number; maxTime?: number; host?: string } ,
): Promise<CurlResult> {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const target = opts.ip ?? u.hostname;
  if (opts.ip) labGuard.check(opts.ip, `curl ${url}`);
  const args = [
    // -v: only the verbose log names the connect errno (refused vs no route to host).
    'curl', '-sS', '-v', '--cacert', opts.ca, '--connect-timeout', String(opts.connectTimeout ?? 2), '-m', String(opts.maxTime ?? 5),
    '-o', '-', '-w', `${MARK}%{http_code} %{redirect_url}`,
    ...(opts.ip ? ['--resolve', `${u.hostname}:${port}:${target}`] : []),
    ...(opts.host ? ['-H', `Host: ${opts.host}`] : []),
    url,
  ];
  const r = await inNs(ns, args, { timeoutMs: ((opts.maxTime ?? 5) + 3) * 1000 });
  const at = r.stdout.lastIndexOf(MARK);
  const tail = at >= 0 ? r.stdout.slice(at + MARK.length).trim() : '000';
  const [code = '000', location = ''] = tail.split(' ');
  const log = r.stderr;
  const err = (log.split('\n').filter((l) => l.startsWith('curl:')).pop() ?? '').trim();
  let outcome: Outcome = 'other';
  if (r.code === 0) outcome = 'ok';
  else if (r.code === 28) outcome = 'timeout';
  else if (/reset by peer/i.test(log)) outcome = 'reset';
  else if (/no route to host/i.test(log)) outcome = 'unreachable';
  else if (/connection refused/i.test(log)) outcome = 'refused';
  return { outcome, code: Number(code), location, body: at >= 0 ? r.stdout.slice(0, at) : r.stdout, ms: r.ms, error: err };
}

export interface HandshakeResult {
  established: boolean;
  verified: boolean;
  detail: string;
}

/** A TLS handshake with `sni` at ip:443, verified against the lab CA for that name. */
export async function handshake(ns: string, ip: string, sni: string, ca: string): Promise<HandshakeResult> {
  labGuard.check(ip, `TLS handshake ${sni}`);
  const r = await inNs(
    ns,
    ['timeout', '4', 'openssl', 's_client', '-brief', '-connect', `${ip}:443`, '-servername', sni, '-CAfile', ca, '-verify_hostname', sni],
    { timeoutMs: 8000 },
  );
  const out = `${r.stdout}\n${r.stderr}`;
  return {
    established: /CONNECTION ESTABLISHED/.test(out),
    verified: /Verification: OK/.test(out),
    detail: (out.match(/(Verification[^\n]*|errno=\d+|[^\n]*reset[^\n]*)/i)?.[0] ?? out.trim().split('\n').pop() ?? '').trim(),
  };
}
