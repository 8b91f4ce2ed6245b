// The lab's fixed names and addresses (the probe and tests depend on them). Everything lives in
// 198.18.0.0/15 (RFC 2544 benchmarking range) inside the lab's own namespaces.
export const NS = { client: 'cp-client', isp: 'cp-isp', world: 'cp-world' } as const;
export const ALL_NS: readonly string[] = [NS.client, NS.isp, NS.world];

/** veth ends; created directly inside the namespaces, so the root namespace never holds one. */
export const LINK = { client: 'cp-c0', ispClient: 'cp-i0', ispWorld: 'cp-i1', world: 'cp-w0' } as const;

export const ONLY_NETS = '198.18.0.0/15';

export const ADDR = {
  client: '198.18.0.2',
  ispClientSide: '198.18.0.1',
  ispWorldSide: '198.18.2.1',
  worldLink: '198.18.2.2',
  ispResolver: '198.18.1.53',
  blockpage: '198.18.1.80',
  truthResolver: '198.18.3.53',
  slowResolver: '198.18.3.54',
  neutral: '198.18.3.80',
  control: '198.18.3.90',
  noResolver: '198.18.3.99',
} as const;

export const CONTROL_PORT = 8080;
export const NEUTRAL_NAME = 'neutral.lab';

/** Sites get addresses from 198.18.16.1 up; "gone" hosts from GONE_NET, which leads nowhere. */
export const SITE_BASE = '198.18.16.0';
export const GONE_NET = '198.18.31.0/24';
/** World routes GONE_NET to this gateway, whose permanent neighbour entry is a MAC nobody has:
 * frames are silently dropped by the ISP's NIC, so a gone host times out, as on the internet. */
export const GONE_GATEWAY = '198.18.2.254';
export const GONE_MAC = '02:00:5e:00:00:fe';

/** Loopback ports inside a namespace where the real resolvers listen behind the delaying fronts. */
export const UNBOUND_PORT = 5353;
/** The transparent HTTP proxy's ports in cp-isp: one per intercepted destination IP. */
export const PROXY_PORT_BASE = 3101;

/** Added reply delays (ms). ISP: about 1 ms; truthful foreign resolver +20 ms; slow one +60 ms. */
export const DELAY_MS = { isp: 1, truth: 20, slow: 60 } as const;
/** Delay of "slow" sites (seconds-slow, yet within every probe's timeouts). */
export const SLOW_SITE_MS = 3000;

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  return (((parts[0] ?? 0) << 24) >>> 0) + ((parts[1] ?? 0) << 16) + ((parts[2] ?? 0) << 8) + (parts[3] ?? 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** `ip -batch` lines that build the three namespaces and their links. */
export function topologyBatches(worldIps: readonly string[]): { root: string[]; client: string[]; isp: string[]; world: string[] } {
  return {
    root: [
      `netns add ${NS.client}`,
      `netns add ${NS.isp}`,
      `netns add ${NS.world}`,
      `link add ${LINK.client} netns ${NS.client} type veth peer name ${LINK.ispClient} netns ${NS.isp}`,
      `link add ${LINK.ispWorld} netns ${NS.isp} type veth peer name ${LINK.world} netns ${NS.world}`,
    ],
    client: [
      'link set lo up',
      `link set ${LINK.client} up`,
      `addr add ${ADDR.client}/24 dev ${LINK.client}`,
      `route add default via ${ADDR.ispClientSide}`,
    ],
    isp: [
      'link set lo up',
      `link set ${LINK.ispClient} up`,
      `link set ${LINK.ispWorld} up`,
      `addr add ${ADDR.ispClientSide}/24 dev ${LINK.ispClient}`,
      `addr add ${ADDR.ispWorldSide}/24 dev ${LINK.ispWorld}`,
      `addr add ${ADDR.ispResolver}/32 dev lo`,
      `addr add ${ADDR.blockpage}/32 dev lo`,
      // No default route: nothing leaves the lab; the client and world reach only each other.
      `route add 198.18.3.0/24 via ${ADDR.worldLink}`,
      `route add 198.18.16.0/20 via ${ADDR.worldLink}`,
    ],
    world: [
      'link set lo up',
      `link set ${LINK.world} up`,
      `addr add ${ADDR.worldLink}/24 dev ${LINK.world}`,
      `route add default via ${ADDR.ispWorldSide}`,
      ...[ADDR.truthResolver, ADDR.slowResolver, ADDR.neutral, ADDR.control, ADDR.noResolver, ...worldIps].map(
        (ip) => `addr add ${ip}/32 dev lo`,
      ),
      `neigh add ${GONE_GATEWAY} lladdr ${GONE_MAC} dev ${LINK.world} nud permanent`,
      `route add ${GONE_NET} via ${GONE_GATEWAY}`,
    ],
  };
}
