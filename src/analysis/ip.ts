// The IP layer: the site's true addresses tried directly. An address:port that fails from here on
// every attempt (the real name and an innocuous one alike) while the control abroad connects is
// blocked by IP; failing at the control too means the site is down, not censored.
import type { TestKeys } from '../observations.js';
import { describeFailure, hasTag, joinAddress } from './steps.js';
import type { IpKind, LayerFinding } from './types.js';

export interface IpResult {
  finding: LayerFinding<IpKind> | null;
  /** Address:port pairs that fail from here and the control could not judge. */
  unjudged: string[];
  /** Pairs that fail from here and from the control as well. */
  down_everywhere: string[];
  /** At least one direct connection to a true address succeeded. */
  any_success: boolean;
  /** Direct connections were tried at all. */
  tried: boolean;
}

const KIND_BY_FAILURE: Record<string, IpKind> = {
  generic_timeout_error: 'drop',
  connection_refused: 'reset',
  connection_reset: 'reset',
  host_unreachable: 'unreachable',
  network_unreachable: 'unreachable',
};

export function analyzeIp(keys: TestKeys): IpResult {
  const direct = keys.tcp_connect.filter((c) => hasTag(c, 'direct') || hasTag(c, 'swap-innocuous') || hasTag(c, 'path'));
  const pairs = [...new Set(direct.map((c) => joinAddress(c.ip, c.port)))];
  const result: IpResult = { finding: null, unjudged: [], down_everywhere: [], any_success: false, tried: pairs.length > 0 };
  const blocked: { pair: string; failure: string }[] = [];
  const okPorts = new Set<number>();
  for (const pair of pairs) {
    const attempts = direct.filter((c) => joinAddress(c.ip, c.port) === pair);
    if (attempts.some((c) => c.status.success)) {
      result.any_success = true;
      okPorts.add(attempts[0]!.port);
      continue;
    }
    const control = keys.control?.tcp_connect[pair];
    if (control === undefined) result.unjudged.push(pair);
    else if (control.status) blocked.push({ pair, failure: attempts[0]!.status.failure ?? 'unknown_failure' });
    else result.down_everywhere.push(pair);
  }
  // A port that works on another of the site's addresses leaves the site reachable: not a block.
  const real = blocked.filter((b) => !okPorts.has(Number(b.pair.slice(b.pair.lastIndexOf(':') + 1))));
  if (real.length > 0) {
    const kind = KIND_BY_FAILURE[real[0]!.failure.split(':')[0] ?? ''] ?? 'drop';
    result.finding = {
      kind,
      evidence: real.map((b) => `connecting to ${b.pair} from here ${describeFailure(b.failure)} with any name, while the control abroad connects`),
      addresses: real.map((b) => b.pair),
    };
  }
  return result;
}
