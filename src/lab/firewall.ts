// The ISP's packet filter, as one iptables-restore ruleset for cp-isp. Rules match the connection's
// original destination (conntrack), so they hold also for traffic the NAT table sent to local
// services (the transparent proxy), and they only see what the client sends (-i cp-i0).
import { ADDR, LINK, PROXY_PORT_BASE } from './topology.js';
import type { Scenario } from './scenarios.js';

export interface ProxyPort {
  port: number;
  target: string;
}

/** Destination IPs whose port 80 the transparent proxy intercepts: sites with proxy or URL-redirect
 * rules, and the neutral server (so a listed Host sent to another IP meets the proxy too). */
export function proxyPorts(scenarios: readonly Scenario[]): ProxyPort[] {
  const ips = new Set<string>();
  for (const s of scenarios) {
    if ((s.dpi?.startsWith('proxy_') || s.url === 'path_redirect' || s.url?.startsWith('path_page_')) && s.siteIp) ips.add(s.siteIp);
  }
  if (ips.size === 0) return [];
  ips.add(ADDR.neutral);
  return [...ips].map((target, i) => ({ port: PROXY_PORT_BASE + i, target }));
}

/** The SNI as it appears in a ClientHello's server_name list entry: type 0, 2-byte length, name. */
export function sniPattern(host: string): string {
  return `|00${host.length.toString(16).padStart(4, '0')}|${host}`;
}

export function hostPattern(host: string): string {
  return `|0d0a|Host: ${host}|0d0a|`;
}

const str = (pattern: string) => `-m string --algo bm --icase --hex-string "${pattern}"`;

export function ispRuleset(scenarios: readonly Scenario[], opts: { intercept: boolean }): string {
  const nat: string[] = [];
  const ip: string[] = [];
  const dpi: string[] = [];
  for (const { port, target } of proxyPorts(scenarios)) {
    nat.push(`-A PREROUTING -i ${LINK.ispClient} -p tcp -d ${target} --dport 80 -j REDIRECT --to-ports ${port}`);
  }
  if (opts.intercept) {
    // A transparent DNS proxy: every port-53 query from the client is answered by the ISP resolver.
    for (const proto of ['udp', 'tcp']) {
      nat.push(`-A PREROUTING -i ${LINK.ispClient} -p ${proto} --dport 53 ! -d ${ADDR.ispResolver} -j DNAT --to-destination ${ADDR.ispResolver}:53`);
    }
  }
  for (const s of scenarios) {
    const dst = `-m conntrack --ctorigdst ${s.siteIp}`;
    if (s.ip === 'drop') ip.push(`-A CP-IP ${dst} -j DROP`);
    if (s.ip === 'reset') {
      ip.push(`-A CP-IP -p tcp ${dst} -j REJECT --reject-with tcp-reset`);
      ip.push(`-A CP-IP ${dst} -j REJECT --reject-with icmp-port-unreachable`);
    }
    if (s.ip === 'unreachable') ip.push(`-A CP-IP ${dst} -j REJECT --reject-with icmp-host-unreachable`);
    const tls = `-p tcp -m conntrack --ctorigdstport 443 ${str(sniPattern(s.host))}`;
    const web = `-p tcp -m conntrack --ctorigdstport 80`;
    if (s.dpi === 'sni_reset') dpi.push(`-A CP-DPI ${tls} -j REJECT --reject-with tcp-reset`);
    if (s.dpi === 'sni_drop') dpi.push(`-A CP-DPI ${tls} -j DROP`);
    if (s.dpi === 'host_reset') dpi.push(`-A CP-DPI ${web} ${str(hostPattern(s.host))} -j REJECT --reject-with tcp-reset`);
    if (s.url === 'path_reset') {
      dpi.push(`-A CP-DPI ${web} ${str(`GET ${s.path} HTTP/1.`)} ${str(hostPattern(s.host))} -j REJECT --reject-with tcp-reset`);
    }
  }
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ...nat,
    'COMMIT',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':CP-IP - [0:0]',
    ':CP-DPI - [0:0]',
    `-A INPUT -i ${LINK.ispClient} -j CP-IP`,
    `-A INPUT -i ${LINK.ispClient} -j CP-DPI`,
    `-A FORWARD -i ${LINK.ispClient} -j CP-IP`,
    `-A FORWARD -i ${LINK.ispClient} -j CP-DPI`,
    ...ip,
    ...dpi,
    'COMMIT',
    '',
  ].join('\n');
}
