// Plain-language explanation of one entry's result, as sentence codes with their values. The page
// renders them in the reader's language (i18n.ts SENTENCES); the analysis' own evidence stays
// alongside as the technical record. Facts only from the record: nothing re-judged here.
import { blockpageIps, textFingerprints } from '../../analysis/fingerprints.js';
import type { MeasurementRecord } from '../../record.js';
import type { SentenceCode } from './i18n.js';

export type Sentence = [SentenceCode, ...string[]];

/** The ISP (and age) a fingerprint is known from, for "which blockpage was seen". */
export function fingerprintInfo(name: string): { isp: string; source: string; historical: boolean } | null {
  const fp = blockpageIps.find((f) => f.name === name) ?? textFingerprints.find((f) => f.name === name);
  return fp ? { isp: fp.isp, source: fp.source, historical: fp.historical } : null;
}

/** Whether a direct connection to any of `addrs` worked from here: null when none was tried. */
export function reachableFromHere(r: MeasurementRecord, addrs: string[]): boolean | null {
  const tried = r.test_keys.tcp_connect.filter((c) => addrs.includes(c.ip) && !c.tags.includes('isp-answer'));
  if (tried.length === 0) return null;
  return tried.some((c) => c.status.success);
}

/** The address part of `IP:PORT` / `[IPv6]:PORT`. */
function hostOf(address: string): string {
  const m = /^\[(.*)\]:\d+$/.exec(address) ?? /^(.*):\d+$/.exec(address);
  return m?.[1] ?? address;
}

/** The fingerprint names in an entry's findings, first layer first, without repeats. */
export function fingerprintsOf(r: MeasurementRecord): string[] {
  const out: string[] = [];
  for (const layer of [r.layers.dns, r.layers.ip, r.layers.dpi, r.layers.url]) {
    if (layer?.fingerprint && !out.includes(layer.fingerprint)) out.push(layer.fingerprint);
  }
  return out;
}

export function explain(r: MeasurementRecord): Sentence[] {
  const host = r.target.host_unicode || r.target.host;
  const out: Sentence[] = [];
  const { dns, ip, dpi, url } = r.layers;
  if (dns) {
    const addrs = (dns.addresses ?? r.isp_addrs).join(', ');
    out.push([`dns_${dns.kind}`, host, addrs]);
    if (dns.kind === 'no_answer' && dns.addresses?.length) out.push(['dns_additional', dns.addresses.join(', ')]);
  }
  if (r.truth_addrs.length > 0 && !r.target.is_ip && (dns || r.verdict !== 'ok')) {
    const reach = reachableFromHere(r, r.truth_addrs);
    const code = reach === null ? 'truth_untested' : reach ? 'truth_reachable' : 'truth_unreachable';
    out.push([code, r.truth_addrs.join(', ')]);
  }
  if (ip) out.push([`ip_${ip.kind}`, (ip.addresses ?? r.truth_addrs).join(', ')]);
  if (dpi) out.push([`dpi_${dpi.kind}`, host, (dpi.addresses ?? []).map(hostOf).join(', ')]);
  if (url) out.push(['url_path', r.target.path]);
  for (const name of fingerprintsOf(r)) {
    out.push(['fingerprint', name, fingerprintInfo(name)?.isp ?? '?']);
  }
  if (r.verdict === 'ok') out.push(['ok']);
  else if (r.verdict === 'down') out.push(['down']);
  else if (r.verdict === 'geoblock') out.push(['geoblock']);
  else if (r.verdict === 'inconclusive') out.push(['inconclusive', r.reason]);
  return out;
}
