// Greek blockpage fingerprints. Sources: OONI / Ververis et al., "Internet censorship in Greece"
// (2014 study of the EEEP list, FOCI 2015), summarised in shared/context/greece.md. Values from 2014
// are historical (ISPs merged since): measurements confirm or retire them. Only specific strings:
// a vague word such as "Απαγόρευση" matches ordinary pages (ooni/probe#2495).

export interface Fingerprint {
  name: string;
  isp: string;
  /** Where the value comes from and when. */
  source: string;
  historical: boolean;
}

export interface IpFingerprint extends Fingerprint {
  ip: string;
}

export interface TextFingerprint extends Fingerprint {
  /** Where to look: the body text, the title, the Location header or the Server header. */
  field: 'body' | 'title' | 'location' | 'server' | 'soa';
  /** Matched after normalising (see normalise()); prefix match for `location`. */
  value: string;
}

const OONI2014 = 'OONI/Ververis et al. 2014, greece.md';

export const blockpageIps: readonly IpFingerprint[] = [
  { ip: '83.235.64.20', name: 'ote-eeep', isp: 'OTE/Cosmote (AS6799)', source: OONI2014, historical: true },
  { ip: '62.1.46.55', name: 'forthnet-eeep', isp: 'Forthnet (AS1241)', source: OONI2014, historical: true },
  { ip: '194.30.227.163', name: 'hol-eeep', isp: 'HOL (AS3329)', source: OONI2014, historical: true },
  { ip: '78.87.2.91', name: 'cyta-eeep', isp: 'Cyta (AS6866)', source: OONI2014, historical: true },
  { ip: '62.169.194.8', name: 'wind-eeep', isp: 'Wind (AS25472)', source: OONI2014, historical: true },
];

export const textFingerprints: readonly TextFingerprint[] = [
  { field: 'title', value: 'Μή Επιτρεπτή Πρόσβαση', name: 'ote-eeep', isp: 'OTE/Cosmote', source: OONI2014, historical: true },
  { field: 'body', value: 'ΜΗ ΕΠΙΤΡΕΠΤΗ ΠΡΟΣΒΑΣΗ', name: 'ote-eeep', isp: 'OTE/Cosmote', source: OONI2014, historical: true },
  { field: 'location', value: 'http://eeep.forthnetgroup.gr/', name: 'forthnet-eeep', isp: 'Forthnet', source: OONI2014, historical: true },
  { field: 'location', value: 'http://eeepnotice.hol.gr/', name: 'hol-eeep', isp: 'HOL', source: OONI2014, historical: true },
  { field: 'location', value: 'http://1.2.3.50/ups/no_access', name: 'vodafone-webproxy', isp: 'Vodafone', source: OONI2014, historical: true },
  { field: 'body', value: 'cyta.gr/misc/eeep_noaccess', name: 'cyta-eeep', isp: 'Cyta', source: OONI2014, historical: true },
  { field: 'title', value: 'Μη δυνατή πρόσβαση', name: 'cyta-eeep', isp: 'Cyta', source: OONI2014, historical: true },
  { field: 'title', value: '.: Απαγόρευση Πρόσβασης :.', name: 'wind-eeep', isp: 'Wind', source: OONI2014, historical: true },
  { field: 'server', value: 'Tellas HTTP Server', name: 'wind-eeep', isp: 'Wind', source: OONI2014, historical: true },
  { field: 'server', value: 'WebProxy/6.0', name: 'vodafone-webproxy', isp: 'Vodafone', source: OONI2014, historical: true },
  // Country-level strings any ISP's page may carry (the regulator's own wording and addresses).
  { field: 'body', value: 'gamingcommission.gov.gr/index.php/forbidden-access-black-list', name: 'eeep-notice', isp: 'any', source: OONI2014, historical: false },
  { field: 'location', value: 'https://www.gamingcommission.gov.gr/index.php/forbidden-access-black-list', name: 'eeep-notice', isp: 'any', source: OONI2014, historical: false },
  { field: 'body', value: 'Επιτροπή Εποπτείας και Ελέγχου Παιγνίων', name: 'eeep-notice', isp: 'any', source: OONI2014, historical: false },
  { field: 'body', value: 'μη αδειοδοτημένες υπηρεσίες τυχερών παιγνίων', name: 'eeep-notice-2015', isp: 'any', source: 'greece.md (2015 page)', historical: false },
  { field: 'body', value: 'opi.gr/edppi_block', name: 'edppi-notice', isp: 'any', source: 'greece.md (EDPPI)', historical: false },
  // SOA names of lying resolvers.
  { field: 'soa', value: 'hostmaster.localhost', name: 'ote-soa', isp: 'OTE', source: OONI2014, historical: true },
  { field: 'soa', value: 'ns0.panafonet.gr', name: 'vodafone-soa', isp: 'Vodafone', source: OONI2014, historical: true },
  { field: 'soa', value: 'nyma_grid_dns1.dcn.cosmote.gr', name: 'cosmote-soa', isp: 'Cosmote', source: OONI2014, historical: true },
];

/** Folds whitespace (titles hold `\r\n`), drops a BOM and trailing dots, lower-cases (Greek too). */
export function normalise(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\s+/g, ' ').trim().replace(/\.$/, '').toLocaleLowerCase('el');
}

export interface HttpLike {
  title: string | null;
  body: string;
  headers: Record<string, string>;
}

/** Each fingerprint's value as normalise() makes it, made once (the ICU lower-casing is not cheap). */
const normalisedValues = new Map<TextFingerprint, string>(textFingerprints.map((fp) => [fp, normalise(fp.value)]));
const valueOf = (fp: TextFingerprint): string => normalisedValues.get(fp) ?? normalise(fp.value);

// The same page text is matched several times per entry (while measuring, by the analysis) and the
// same blockpage for thousands of entries: its normalised form is kept for the last few hundred.
const MAX_NORMALISED = 512;
const normalisedTexts = new Map<string, string>();
function normalisedText(text: string): string {
  let out = normalisedTexts.get(text);
  if (out === undefined) {
    out = normalise(text);
    if (normalisedTexts.size >= MAX_NORMALISED) normalisedTexts.clear();
    normalisedTexts.set(text, out);
  }
  return out;
}

/** The first fingerprint matching an HTTP response, or null. */
export function matchResponse(res: HttpLike): TextFingerprint | null {
  const title = normalisedText(res.title ?? '');
  const body = normalisedText(res.body);
  const location = (res.headers['location'] ?? '').toLowerCase();
  const server = res.headers['server'];
  const serverText = server === undefined ? '' : normalisedText(server);
  for (const fp of textFingerprints) {
    const v = valueOf(fp);
    if (fp.field === 'title' && title !== '' && title === v) return fp;
    if (fp.field === 'body' && body.includes(v)) return fp;
    if (fp.field === 'location' && location.startsWith(fp.value.toLowerCase())) return fp;
    if (fp.field === 'server' && serverText === v) return fp;
  }
  return null;
}

/** A lying resolver's SOA (mname or rname), or null. */
export function matchSoa(names: string[]): TextFingerprint | null {
  for (const fp of textFingerprints) {
    if (fp.field !== 'soa') continue;
    if (names.some((n) => normalise(n).includes(valueOf(fp)))) return fp;
  }
  return null;
}

export function matchBlockpageIp(ip: string, learned: Record<string, string>): string | null {
  return blockpageIps.find((f) => f.ip === ip)?.name ?? learned[ip] ?? null;
}
