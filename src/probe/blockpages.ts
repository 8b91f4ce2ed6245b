// What the run has learnt about blockpage servers: on a real Greek line most of 15,000 names
// resolve to one ISP blockpage IP, so its behaviour is learnt once and re-checked now and then
// instead of opening fresh connections for every name.

export interface BlockpageMemory {
  /** True when the steps against `ip` can be skipped for this entry. */
  skip(ip: string): boolean;
  /** Records what fetching from `ip` showed: a blockpage fingerprint's name or null. */
  observe(ip: string, fingerprint: string | null): void;
  /** Blockpage addresses learnt so far, with the fingerprint seen (for the analysis context). */
  known(): Record<string, string>;
}

/**
 * `confirmations` agreeing fetches make an address known; afterwards one entry in `recheckEvery`
 * fetches it again, and a fetch that no longer shows the blockpage forgets it.
 */
export function blockpageMemory(confirmations = 2, recheckEvery = 200): BlockpageMemory {
  const seen = new Map<string, { fingerprint: string; count: number }>();
  const known = new Map<string, string>();
  const skipped = new Map<string, number>();
  return {
    skip(ip) {
      if (!known.has(ip)) return false;
      const n = (skipped.get(ip) ?? 0) + 1;
      skipped.set(ip, n);
      return n % recheckEvery !== 0;
    },
    observe(ip, fingerprint) {
      if (fingerprint === null) {
        seen.delete(ip);
        known.delete(ip);
        return;
      }
      const s = seen.get(ip);
      const count = s && s.fingerprint === fingerprint ? s.count + 1 : 1;
      seen.set(ip, { fingerprint, count });
      if (count >= confirmations) known.set(ip, fingerprint);
    },
    known() {
      return Object.fromEntries(known);
    },
  };
}
