// A whole-list scenario set for the lab, modelled on a real Greek line measuring the EEEP list:
// most names DNS-blocked to the ISP's blockpage address, about 15 % dead everywhere, a few percent
// IP-blocked (drops), some DPI, the rest clean. Deterministic (seeded), so runs are comparable.
import { mulberry32 } from '../src/probe/order.js';

/** Fractions of the list per kind; `clean` takes the rest. Gone hosts are capped by the lab's /24. */
export const MIX = {
  dns_blockpage: 0.66,
  dns_blockpage_additional: 0.02,
  dns_nxdomain: 0.04,
  dead_nowhere: 0.125,
  dead_gone: 0.013,
  dead_closed: 0.012,
  ip_drop: 0.03,
  dpi_sni_reset: 0.007,
  dpi_sni_drop: 0.003,
  dpi_host_reset: 0.005,
} as const;
export type Kind = keyof typeof MIX | 'clean';

/** The lab routes gone hosts through 198.18.31.0/24: at most 254 of them. */
const MAX_GONE = 200;
/** Names per shared address: blocked names sit on CDN-like addresses, as on the real list. */
const PER_SHARED_IP = 50;

const WORDS = ['bet', 'casino', 'spin', 'slot', 'jackpot', 'poker', 'win', 'lucky', 'vegas', 'royal', 'star', 'gold', 'ace', 'play', 'bingo', 'roulette', 'odds', 'sport', 'live', 'mega'];
const TLDS = ['com', 'com', 'com', 'net', 'io', 'bet', 'casino', 'eu', 'org', 'co.uk', 'ag', 'ελ'];

/**
 * Page sizes of the served sites. Issue 16's own measurement of real gambling sites' home pages
 * (the list measured on a simulated Greek ISP built by others): 8 to 256 KB, mean about 70 KB. Drawn
 * log-normal (median 54 KiB, sigma 0.75; page weights are log-normal: a few heavy pages pull the
 * mean above the median), clipped to the measured range, then rounded to one of PAGE_CLASSES
 * log-spaced sizes (5.7 % apart) so that hosts share page files in the lab. A size in KiB.
 */
export const PAGE_SIZE = { minKiB: 8, maxKiB: 256, medianKiB: 54, sigma: 0.75 } as const;
export const PAGE_CLASSES = 64;

/** The class sizes in bytes, 8 KiB to 256 KiB, evenly spaced on a log scale. */
export function pageClasses(): number[] {
  const ratio = PAGE_SIZE.maxKiB / PAGE_SIZE.minKiB;
  return Array.from({ length: PAGE_CLASSES }, (_, i) => Math.round(PAGE_SIZE.minKiB * 1024 * ratio ** (i / (PAGE_CLASSES - 1))));
}

/** One page size (bytes): log-normal by Box-Muller from two uniform draws, clipped, snapped to a class. */
export function drawPageBytes(rnd: () => number, classes = pageClasses()): number {
  const u = 1 - rnd();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  const kib = Math.min(PAGE_SIZE.maxKiB, Math.max(PAGE_SIZE.minKiB, PAGE_SIZE.medianKiB * Math.exp(PAGE_SIZE.sigma * z)));
  const i = Math.round((Math.log(kib / PAGE_SIZE.minKiB) / Math.log(PAGE_SIZE.maxKiB / PAGE_SIZE.minKiB)) * (PAGE_CLASSES - 1));
  return classes[i] as number;
}

export interface BenchRow {
  kind: Kind;
  input: string;
  world: string;
  isp_dns: string;
  isp_ip: string;
  isp_dpi: string;
  share: string;
  /** The size of the site's page in bytes; null where the world serves no page. */
  page_bytes: number | null;
}

/** Counts per kind for `n` entries (largest remainders go to `clean`). */
export function kindCounts(n: number): Record<Kind, number> {
  const counts = {} as Record<Kind, number>;
  let used = 0;
  for (const [k, f] of Object.entries(MIX) as [keyof typeof MIX, number][]) {
    const c = k === 'dead_gone' ? Math.min(MAX_GONE, Math.round(n * f)) : Math.round(n * f);
    counts[k] = c;
    used += c;
  }
  counts.clean = n - used;
  if (counts.clean < 0) throw new Error(`cannot build a mix of ${n} entries`);
  return counts;
}

export function benchRows(n: number, seed = 20140): BenchRow[] {
  const rnd = mulberry32(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
  const kinds: Kind[] = [];
  for (const [k, c] of Object.entries(kindCounts(n)) as [Kind, number][]) for (let i = 0; i < c; i++) kinds.push(k);
  // Shuffled so that any stride over the list (the serial subset, the 1,000 subset) keeps the mix.
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j] as Kind, kinds[i] as Kind];
  }
  // Page sizes from a stream of their own, so the list's names, schemes and kinds stay those of the
  // seed before pages had sizes.
  const pageRnd = mulberry32(seed + 1);
  const classes = pageClasses();
  const shared = new Map<string, number>();
  const share = (pool: string) => {
    const seen = shared.get(pool) ?? 0;
    shared.set(pool, seen + 1);
    return `${pool}${Math.floor(seen / PER_SHARED_IP)}`;
  };
  return kinds.map((kind, i) => {
    const host = `${pick(WORDS)}${pick(WORDS)}${String(i).padStart(5, '0')}.${pick(TLDS)}`;
    // Host DPI matches the HTTP Host line: those entries are http:// (as euro-bet.gr on test-lists-gr).
    const scheme = kind === 'dpi_host_reset' || rnd() < 0.1 ? 'http' : 'https';
    const page_bytes = drawPageBytes(pageRnd, classes);
    const row: BenchRow = { kind, input: `${scheme}://${host}/`, world: 'site', isp_dns: '', isp_ip: '', isp_dpi: '', share: '', page_bytes };
    switch (kind) {
      case 'dns_blockpage':
        return { ...row, isp_dns: 'blockpage', share: share('cdn') };
      case 'dns_blockpage_additional':
        return { ...row, isp_dns: 'blockpage_additional', share: share('cdn') };
      case 'dns_nxdomain':
        return { ...row, isp_dns: 'nxdomain', share: share('cdn') };
      case 'dead_nowhere':
        return { ...row, world: 'nowhere', page_bytes: null };
      case 'dead_gone':
        return { ...row, world: 'gone', page_bytes: null };
      case 'dead_closed':
        return { ...row, world: 'closed', page_bytes: null };
      case 'ip_drop':
        // Its own address: a drop on a shared one would block its neighbours too.
        return { ...row, isp_ip: 'drop' };
      case 'dpi_sni_reset':
        return { ...row, isp_dpi: 'sni_reset', share: share('mixed') };
      case 'dpi_sni_drop':
        return { ...row, isp_dpi: 'sni_drop', share: share('mixed') };
      case 'dpi_host_reset':
        return { ...row, isp_dpi: 'host_reset', share: share('mixed') };
      case 'clean':
        return { ...row, share: share('mixed') };
    }
  });
}

/** The rows as a lab scenario file (lab/scenarios.csv's columns). */
export function scenarioCsv(rows: readonly BenchRow[]): string {
  const lines = ['input,category_code,world,isp_dns,isp_ip,isp_dpi,isp_url,share,page_bytes,notes'];
  for (const r of rows) lines.push([r.input, r.kind === 'clean' ? 'NEWS' : 'GMB', r.world, r.isp_dns, r.isp_ip, r.isp_dpi, '', r.share, r.page_bytes ?? '', `bench ${r.kind}`].join(','));
  return `${lines.join('\n')}\n`;
}
