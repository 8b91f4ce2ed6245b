// Entries that ask about the same name (a host listed with several paths or ports, or in two lists
// of a merged run) share one set of DNS queries: the first entry asks, the others get copies tagged
// `shared`. Only names listed more than once are remembered, and each only until its last entry has
// taken it, so memory does not grow with the list.
import type { DnsQuery } from '../observations.js';

export interface DnsPhase {
  /** Every query's deciding reply (UDP late replies may still come). */
  decided: Promise<DnsQuery[]>;
  /** Every query's full record, late replies included. */
  all: Promise<DnsQuery[]>;
}

export interface DnsShare {
  /** The DNS phase for `host`: started by `start` the first time, the same phase afterwards. */
  phase(host: string, start: () => DnsPhase): { phase: DnsPhase; shared: boolean };
  /** Entries that reused another entry's queries so far. */
  reused(): number;
}

/** A copy of another entry's observation, marked as such. */
export function sharedCopy<T extends { tags: string[] }>(obs: T): T {
  return { ...obs, tags: [...obs.tags, 'shared'] };
}

/** `hosts`: the host of every entry still to measure (repeats are what can be shared). */
export function dnsShare(hosts: Iterable<string>): DnsShare {
  const count = new Map<string, number>();
  for (const h of hosts) count.set(h, (count.get(h) ?? 0) + 1);
  const left = new Map([...count].filter(([, n]) => n > 1));
  const phases = new Map<string, DnsPhase>();
  let reused = 0;
  return {
    phase(host, start) {
      const n = left.get(host);
      if (n === undefined) return { phase: start(), shared: false };
      let phase = phases.get(host);
      const shared = phase !== undefined;
      if (!phase) {
        phase = start();
        phases.set(host, phase);
      }
      if (shared) reused++;
      if (n <= 1) {
        left.delete(host);
        phases.delete(host);
      } else left.set(host, n - 1);
      return { phase, shared };
    },
    reused: () => reused,
  };
}
