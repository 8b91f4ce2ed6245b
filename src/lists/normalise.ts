// Turns one listed entry (a URL, a bare domain, host:port, an IP literal, possibly an IDN) into the
// form the probe measures, or says why it cannot. Bare entries get http:// because OONI's lists use
// http:// for bare domains; the probe tries ports 80 and 443 anyway, so the choice loses nothing.
import { isIP } from 'node:net';
import { domainToUnicode } from 'node:url';

export interface NormalisedUrl {
  url: string;
  scheme: 'http' | 'https';
  host: string;
  host_unicode: string;
  port: number | null;
  path: string;
  is_ip: boolean;
}

export type Normalised = { ok: true; value: NormalisedUrl } | { ok: false; reason: string };

const SCHEME_SEP = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// `word:` without `//` is a scheme (mailto:, javascript:); with a dot it is host:port gone wrong.
const SCHEME_ONLY = /^([A-Za-z][A-Za-z0-9+-]*):(?!\d)/;
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/;

function fail(reason: string): Normalised {
  return { ok: false, reason };
}

/** Strips what editors and spreadsheets add around a value: whitespace and stray BOMs. */
export function cleanInput(value: string): string {
  return (value.includes('\uFEFF') ? value.replace(/\uFEFF/g, '') : value).trim();
}

export function normaliseUrl(input: string): Normalised {
  const text = cleanInput(input);
  if (text === '') return fail('empty URL');
  if (text.includes('\uFFFD')) return fail('bad URL: not valid UTF-8');
  if (/\s/.test(text)) return fail('bad URL: whitespace inside');

  let scheme: string;
  let rest: string;
  const withSep = SCHEME_SEP.exec(text);
  if (withSep) {
    scheme = withSep[1]!.toLowerCase();
    rest = text.slice(withSep[0].length);
  } else {
    const schemeOnly = SCHEME_ONLY.exec(text);
    if (schemeOnly && !text.startsWith('[')) {
      const s = schemeOnly[1]!.toLowerCase();
      return s === 'http' || s === 'https' ? fail('bad URL: scheme not followed by //') : fail(`unsupported scheme "${s}"`);
    }
    if (text.startsWith('//')) return fail('bad URL: starts with //');
    scheme = 'http';
    rest = text;
  }
  if (scheme !== 'http' && scheme !== 'https') return fail(`unsupported scheme "${scheme}"`);

  const end = rest.search(/[/?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  const tail = end === -1 ? '' : rest.slice(end);
  if (authority.includes('@')) return fail('bad URL: user name or password in the URL');

  // Split host and explicit port ourselves: URL drops a default port, but the list's form counts.
  let hostText: string;
  let portText: string | null = null;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) return fail('bad URL: unclosed [ in IPv6 host');
    hostText = authority.slice(0, close + 1);
    const after = authority.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return fail('bad URL: text after IPv6 host');
      portText = after.slice(1);
    }
  } else {
    const colon = authority.lastIndexOf(':');
    hostText = colon === -1 ? authority : authority.slice(0, colon);
    if (colon !== -1) portText = authority.slice(colon + 1);
  }
  if (hostText === '' || hostText === '[]') return fail('empty host');

  let port: number | null = null;
  if (portText !== null) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return fail(`bad port "${portText}"`);
    }
    port = Number(portText);
  }

  let parsed: URL;
  try {
    parsed = new URL(`${scheme}://${hostText}${tail === '' ? '/' : tail}`);
  } catch {
    return fail('bad URL: host cannot be parsed');
  }

  let host = parsed.hostname;
  let isIp = false;
  if (host.startsWith('[')) {
    host = host.slice(1, -1);
    isIp = true;
  } else if (isIP(host) === 4) {
    // WHATWG URL reads "1.2.3" or "0x7f.1" as IPv4; a list entry in such a form is a mistake.
    if (hostText.toLowerCase() !== host) return fail(`bad URL: "${hostText}" is not a dotted-quad IPv4 address`);
    isIp = true;
  } else {
    const reason = hostnameProblem(host);
    if (reason !== null) return fail(reason);
  }

  const path = `${parsed.pathname || '/'}${parsed.search}`;
  const urlHost = isIp && host.includes(':') ? `[${host}]` : host;
  const portPart = port === null ? '' : `:${port}`;
  return {
    ok: true,
    value: {
      url: `${scheme}://${urlHost}${portPart}${path}`,
      scheme,
      host,
      host_unicode: isIp || !host.includes('xn--') ? host : domainToUnicode(host) || host,
      port,
      path,
      is_ip: isIp,
    },
  };
}

/** DNS limits on the ASCII (punycode) name: labels up to 63 octets, the name up to 253. */
function hostnameProblem(host: string): string | null {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name === '') return 'empty host';
  if (name.length > 253) return `host name longer than 253 octets (${name.length})`;
  const labels = name.split('.');
  for (const label of labels) {
    if (label === '') return `empty label in host "${name}"`;
    if (label.length > 63) return `over-long label (${label.length} octets, max 63) in host "${name}"`;
    if (!LABEL.test(label)) return `bad character in host "${name}"`;
  }
  if (labels.length < 2) return `host "${name}" is not a domain name (no dot)`;
  if (/^\d+$/.test(labels[labels.length - 1]!)) return `host "${name}" ends in a numeric label`;
  return null;
}
