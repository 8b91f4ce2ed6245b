import { BlockList, isIP } from 'node:net';
import { GuardError, UsageError } from '../errors.js';

/**
 * The safety guard: an allow-list of networks. When set, every component that sends a packet asks
 * it first and refuses, before any packet, an address outside it. Tests always set it.
 */
export class NetGuard {
  readonly cidrs: readonly string[];
  private readonly list = new BlockList();

  constructor(cidrs: readonly string[]) {
    this.cidrs = cidrs;
    for (const cidr of cidrs) {
      const [addr, bits, extra] = cidr.trim().split('/');
      const family = addr === undefined ? 0 : isIP(addr);
      const max = family === 6 ? 128 : 32;
      const prefix = bits === undefined ? max : Number(bits);
      if (!addr || family === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
        throw new UsageError(`--only-nets: "${cidr}" is not a network in CIDR form`, {
          hint: 'write networks like 198.18.0.0/15,127.0.0.0/8,::1/128',
        });
      }
      this.list.addSubnet(addr, prefix, family === 6 ? 'ipv6' : 'ipv4');
    }
  }

  /** Parses a comma-separated `--only-nets` value. */
  static parse(value: string): NetGuard {
    return new NetGuard(value.split(',').map((s) => s.trim()).filter(Boolean));
  }

  allows(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    return this.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
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
