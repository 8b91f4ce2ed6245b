import { GuardError, UsageError } from '../errors.js';
import { Networks } from '../ip.js';

/** Addresses whose answer is kept; parsing an address costs more than the lookup. */
const MAX_KNOWN = 4096;

/**
 * The safety guard: an allow-list of networks. When set, every component that sends a packet asks
 * it first and refuses, before any packet, an address outside it. Tests always set it.
 */
export class NetGuard {
  readonly cidrs: readonly string[];
  private readonly list: Networks;

  constructor(cidrs: readonly string[]) {
    this.cidrs = cidrs;
    const { networks, bad } = Networks.parse(cidrs);
    if (bad.length > 0) {
      throw new UsageError(`--only-nets: "${bad[0]}" is not a network in CIDR form`, {
        hint: 'write networks like 198.18.0.0/15,127.0.0.0/8,::1/128',
      });
    }
    this.list = networks;
  }

  /** Parses a comma-separated `--only-nets` value. */
  static parse(value: string): NetGuard {
    return new NetGuard(value.split(',').map((s) => s.trim()).filter(Boolean));
  }

  /** Answers already given: a run asks about the same few hundred addresses at every step. */
  private readonly known = new Map<string, boolean>();

  allows(address: string): boolean {
    let yes = this.known.get(address);
    if (yes === undefined) {
      yes = this.list.contains(address);
      if (this.known.size >= MAX_KNOWN) this.known.clear();
      this.known.set(address, yes);
    }
    return yes;
  }

  /** Throws GuardError unless `address` is inside the allowed networks. `what` names the step. */
  check(address: string, what: string): void {
    if (!this.allows(address)) {
      throw new GuardError(`refused to contact ${address} (${what}): outside --only-nets ${this.cidrs.join(',')}`, {
        hint: 'widen --only-nets if this address is really meant to be measured',
      });
    }
  }
}

/** No guard: every address allowed (a real run on a volunteer's line). */
export const openGuard = {
  cidrs: [] as readonly string[],
  allows: (_address: string) => true,
  check: (_address: string, _what: string) => undefined,
};

export type Guard = Pick<NetGuard, 'allows' | 'check' | 'cidrs'>;
