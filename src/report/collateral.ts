// Collateral damage of IP blocks: for every address blocked by IP, every measured entry that shares
// it (resolves to it abroad, or is it), listed for blocking or not. A court-ordered IP block takes
// every site on the address with it; the OONI Greek list (lists/gr.csv: sites that should not be
// blocked) is the bystander set a run measures for this. Built in one streaming pass.
import { isBlock } from '../analysis/types.js';
import type { MeasurementRecord } from '../record.js';

export interface SharingEntry {
  input: string;
  /** The list file the entry came from. */
  list: string;
  category: string;
  verdict: string;
  /** From the OONI Greek list (gr.csv): a site nobody asked to block. */
  bystander: boolean;
}

export interface CollateralAddress {
  /** The IP address blocked from here. */
  address: string;
  /** How many measured entries share it. */
  entries: number;
  /** How many of them come from the bystander list. */
  bystanders: number;
  /** The entries (at most MAX_SHOWN), bystanders first. */
  sharing: SharingEntry[];
}

/** The bystander list's file name (lists/README.md). */
export const BYSTANDER_LIST = 'gr.csv';
export const MAX_SHOWN = 200;

const ipOf = (pair: string): string => (/^\[(.*)\]:\d+$/.exec(pair) ?? /^(.*):\d+$/.exec(pair))?.[1] ?? pair;

export class CollateralIndex {
  private readonly onIp = new Map<string, SharingEntry[]>();
  private readonly blocked = new Set<string>();

  add(r: MeasurementRecord): void {
    const list = r.target.list.split(/[\\/]/).pop() ?? r.target.list;
    const entry: SharingEntry = { input: r.input, list, category: r.target.category_code, verdict: r.verdict, bystander: list === BYSTANDER_LIST };
    for (const ip of new Set(r.target.is_ip ? [r.target.host] : r.truth_addrs)) {
      const on = this.onIp.get(ip) ?? [];
      on.push(entry);
      this.onIp.set(ip, on);
    }
    if (r.layers.ip && isBlock(r.verdict)) for (const pair of r.layers.ip.addresses ?? []) this.blocked.add(ipOf(pair));
  }

  /** IP-blocked addresses that more than one measured entry shares, the most shared first. */
  result(): CollateralAddress[] {
    const out: CollateralAddress[] = [];
    for (const address of this.blocked) {
      const on = this.onIp.get(address) ?? [];
      if (on.length < 2) continue;
      const sharing = [...on].sort((a, b) => Number(b.bystander) - Number(a.bystander) || a.input.localeCompare(b.input));
      out.push({ address, entries: on.length, bystanders: on.filter((e) => e.bystander).length, sharing: sharing.slice(0, MAX_SHOWN) });
    }
    return out.sort((a, b) => b.entries - a.entries || a.address.localeCompare(b.address));
  }
}
