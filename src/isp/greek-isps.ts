// Greek ISPs as data: who they are (ASNs), their resolvers, and which blockpage fingerprints
// (src/analysis/fingerprints.ts, by name: never copied here) are theirs, so reports can name the
// ISP and its blockpages. Every fact carries its source; facts from the 2014 study are marked
// historical (HOL and Cyta Hellas merged into Vodafone, Forthnet and Wind into Nova since) and
// measurements confirm or retire them.
import { ADDR, ONLY_NETS } from '../lab/topology.js';
import { blockpageIps, textFingerprints, type IpFingerprint, type TextFingerprint } from '../analysis/fingerprints.js';
import { Networks } from '../ip.js';

export interface Fact {
  source: string;
  /** From the 2014 study or before a merger: may no longer hold. */
  historical: boolean;
}

export interface IspAsn extends Fact {
  asn: number;
  /** The brand this AS belonged to when the fact was recorded. */
  brand: string;
}

export interface IspResolver extends Fact {
  address: string;
  /** Reported publicly but not yet seen answering on a line. */
  verified: boolean;
}

export interface GreekIsp {
  id: string;
  name: string;
  asns: IspAsn[];
  resolvers: IspResolver[];
  /** Names of the fingerprints in src/analysis/fingerprints.ts (blockpage IPs, pages, SOA names). */
  fingerprints: string[];
  /** Only the lab's simulated ISP. */
  simulated?: boolean;
  /** Networks that identify the ISP without an ASN (the lab's range, which has none). */
  networks?: string[];
}

const STUDY = 'OONI/Ververis et al. 2014 (shared/context/greece.md)';
const MERGERS = 'shared/context/greece.md (mergers since 2014)';
const RESOLVERS = 'shared/context/greece.md (ISP resolvers reported publicly)';
const ASN_DATA = '@ip-location-db/asn (data/asn.bin.gz) names this AS so today';

const resolver = (address: string, verified: boolean, source = RESOLVERS): IspResolver => ({ address, verified, source, historical: false });

export const greekIsps: readonly GreekIsp[] = [
  {
    id: 'cosmote',
    name: 'Cosmote (OTE)',
    asns: [{ asn: 6799, brand: 'OTE', source: `${STUDY}; ${ASN_DATA}`, historical: false }],
    resolvers: [resolver('195.170.0.1', false), resolver('212.205.212.205', false), resolver('2a02:587:101:0:195:170:0:1', false)],
    fingerprints: ['ote-eeep', 'ote-soa'],
  },
  {
    id: 'cosmote-mobile',
    name: 'Cosmote mobile',
    asns: [{ asn: 29247, brand: 'Cosmote mobile', source: `${STUDY}; ${ASN_DATA}`, historical: false }],
    resolvers: [resolver('94.143.182.1', false), resolver('94.143.182.2', false)],
    // The 2014 study saw Cosmote mobile answer with OTE's blockpage address.
    fingerprints: ['ote-eeep', 'cosmote-soa'],
  },
  {
    id: 'vodafone',
    name: 'Vodafone Greece',
    asns: [
      { asn: 12361, brand: 'Vodafone', source: STUDY, historical: true },
      // HOL's AS carries Vodafone's name today (ASN data), so it names Vodafone, not HOL.
      { asn: 3329, brand: 'HOL (merged into Vodafone)', source: `${STUDY}; ${MERGERS}; ${ASN_DATA} (VODAFONE-PANAFON)`, historical: false },
      // AS6866 is Cyta's Cypriot network too: naming Vodafone from it is a historical guess.
      { asn: 6866, brand: 'Cyta Hellas (merged into Vodafone)', source: `${STUDY}; ${MERGERS}`, historical: true },
    ],
    resolvers: [resolver('213.249.17.10', false), resolver('213.249.17.11', false), resolver('213.249.39.29', false)],
    fingerprints: ['vodafone-webproxy', 'vodafone-soa', 'hol-eeep', 'cyta-eeep'],
  },
  {
    id: 'nova',
    name: 'Nova (Forthnet, Wind)',
    asns: [
      { asn: 1241, brand: 'Forthnet (merged into Nova)', source: `${STUDY}; ${MERGERS}; ${ASN_DATA}`, historical: false },
      { asn: 25472, brand: 'Wind (merged into Nova)', source: `${STUDY}; ${MERGERS}; ${ASN_DATA}`, historical: false },
      { asn: 15617, brand: 'Wind mobile (merged into Nova)', source: `${STUDY}; ${MERGERS}; ${ASN_DATA}`, historical: false },
    ],
    resolvers: [
      resolver('62.169.194.47', false),
      resolver('62.169.194.48', false),
      resolver('62.169.194.49', false),
      resolver('193.92.150.1', false),
      resolver('193.92.3.10', false),
    ],
    fingerprints: ['forthnet-eeep', 'wind-eeep'],
  },
  {
    id: 'lab',
    name: 'Lab ISP (simulated)',
    asns: [],
    resolvers: [resolver(ADDR.ispResolver, true, 'src/lab/topology.ts')],
    fingerprints: [],
    simulated: true,
    networks: [ONLY_NETS],
  },
];

export interface IspMatch {
  id: string;
  name: string;
  asn: number | null;
  /** The brand the matching AS was recorded under (e.g. "Forthnet (merged into Nova)"). */
  brand: string | null;
  historical: boolean;
  simulated: boolean;
  source: string;
}

/** Same CIDR matching as the probe's guard; a network that is not CIDR holds nothing. */
function inNetwork(ip: string, cidr: string): boolean {
  return Networks.parse([cidr]).networks.contains(ip);
}

/**
 * Names the ISP from the volunteer's public address (the lab's range) or the ASN of that address
 * (looked up offline by the caller, see asn.ts). Null when the ISP is not one we know.
 */
export function identifyIsp(by: { publicIp?: string; asn?: number | null }): IspMatch | null {
  if (by.publicIp !== undefined) {
    for (const isp of greekIsps) {
      const net = isp.networks?.find((n) => inNetwork(by.publicIp ?? '', n));
      if (net !== undefined) {
        return { id: isp.id, name: isp.name, asn: null, brand: null, historical: false, simulated: isp.simulated === true, source: `address in ${net}` };
      }
    }
  }
  if (by.asn === undefined || by.asn === null) return null;
  for (const isp of greekIsps) {
    const a = isp.asns.find((x) => x.asn === by.asn);
    if (a !== undefined) {
      return { id: isp.id, name: isp.name, asn: a.asn, brand: a.brand, historical: a.historical, simulated: isp.simulated === true, source: a.source };
    }
  }
  return null;
}

export function ispById(id: string): GreekIsp | undefined {
  return greekIsps.find((i) => i.id === id);
}

/** The ISP's blockpage addresses and page/SOA fingerprints, as held by the analysis. */
export function ispFingerprints(isp: GreekIsp): { ips: IpFingerprint[]; texts: TextFingerprint[] } {
  return {
    ips: blockpageIps.filter((f) => isp.fingerprints.includes(f.name)),
    texts: textFingerprints.filter((f) => isp.fingerprints.includes(f.name)),
  };
}

/** Which ISP a blockpage address belongs to (the analysis's fingerprints), e.g. for a DNS answer. */
export function blockpageOwner(ip: string): { isp: GreekIsp; fingerprint: IpFingerprint } | null {
  const fp = blockpageIps.find((f) => f.ip === ip);
  if (fp === undefined) return null;
  const isp = greekIsps.find((i) => i.fingerprints.includes(fp.name));
  return isp === undefined ? null : { isp, fingerprint: fp };
}
