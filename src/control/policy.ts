// Which addresses the control helper may contact. The helper fetches URLs for anyone who can reach
// it, so by default it refuses every address that is not public unicast: otherwise it would be a
// proxy into its own network (RFC 1918, loopback, link-local, the cloud metadata service).
// `--allow-nets` re-allows chosen networks (the lab's 198.18.0.0/15); nothing re-allows metadata.
import { GuardError, UsageError } from '../errors.js';
import { Networks, embeddedIPv4, parseIp } from '../ip.js';
import { describeBlock, nonPublicBlock } from '../special-addresses.js';

/** The failure string for an address the policy refused (never contacted). */
export const REFUSED_ADDRESS = 'control_refused_address';

/** Cloud metadata services: refused even inside --allow-nets. */
const METADATA = ['169.254.169.254', 'fd00:ec2::254'].map((ip) => parseIp(ip)?.toNormalizedString());

/** The helper's address policy. It is also a Guard, so the network steps enforce it once more. */
export class AddressPolicy {
  readonly cidrs: readonly string[];
  private readonly allowed: Networks;

  constructor(allowNets: readonly string[] = []) {
    this.cidrs = allowNets;
    const { networks, bad } = Networks.parse(allowNets);
    if (bad.length > 0) {
      throw new UsageError(`--allow-nets: "${bad[0]}" is not a network in CIDR form`, {
        hint: 'write networks like 198.18.0.0/15,2001:db8::/32',
      });
    }
    this.allowed = networks;
  }

  static parse(value: string): AddressPolicy {
    return new AddressPolicy(value.split(',').map((s) => s.trim()).filter(Boolean));
  }

  /** Why `ip` is refused, or null when it may be contacted. */
  refusal(ip: string): string | null {
    if (ip.includes('%')) return 'scoped address';
    const address = parseIp(ip);
    if (address === null) return 'not an IP address';
    if (METADATA.includes(address.toNormalizedString())) return 'cloud metadata';
    // Judge an embedded IPv4 address by the IPv4 rules: ::ffff:10.0.0.1 is 10.0.0.1.
    const v4 = embeddedIPv4(ip);
    if (v4 !== null) return this.refusal(v4);
    if (this.allowed.contains(address)) return null;
    const block = nonPublicBlock(address);
    return block === null ? null : describeBlock(block);
  }

  allows(ip: string): boolean {
    return this.refusal(ip) === null;
  }

  check(ip: string, what: string): void {
    const why = this.refusal(ip);
    if (why !== null) throw new GuardError(`control helper refused to contact ${ip} (${what}): ${why}`);
  }
}
