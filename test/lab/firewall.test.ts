import { describe, expect, it } from 'vitest';
import { hostPattern, ispRuleset, proxyPorts, sniPattern } from '../../src/lab/firewall.js';
import { ispPython, ispUnbound, worldUnbound } from '../../src/lab/dns-config.js';
import { parseScenarios } from '../../src/lab/scenarios.js';
import { topologyBatches } from '../../src/lab/topology.js';

const HEAD = 'input,category_code,world,isp_dns,isp_ip,isp_dpi,isp_url,share,notes\n';
const rows = parseScenarios(
  `${HEAD}https://sni.com/,GMB,site,,,sni_reset,,,\nhttp://px.com/,GMB,site,,,proxy_redirect,,,\nhttp://p.com/a/b,GMB,site,,,,path_reset,,\nhttps://ip.com/,GMB,site,,unreachable,,,,\nhttps://nx.com/,GMB,site,nxdomain,,,,,\nhttps://sf.com/,GMB,site,servfail,,,,,\nhttps://cy.com/,GMB,site,blockpage_additional,,,,,\nhttps://bp.com/,GMB,site,blockpage,,,,,\nhttps://gone.com/,GMB,nowhere,,,,,,\n`,
);

describe('the ISP packet filter', () => {
  it('matches the SNI as encoded in the ClientHello and the Host line with its CRLFs', () => {
    expect(sniPattern('sni.com')).toBe('|000007|sni.com');
    expect(hostPattern('px.com')).toBe('|0d0a|Host: px.com|0d0a|');
  });

  it('writes one rule per block, on the original destination', () => {
    const r = ispRuleset(rows, { intercept: false });
    expect(r).toContain(`-A CP-DPI -p tcp -m conntrack --ctorigdstport 443 -m string --algo bm --icase --hex-string "|000007|sni.com" -j REJECT --reject-with tcp-reset`);
    expect(r).toContain(`-A CP-IP -m conntrack --ctorigdst ${rows[3]?.siteIp} -j REJECT --reject-with icmp-host-unreachable`);
    expect(r).toMatch(/--hex-string "GET \/a\/b HTTP\/1\." .*Host: p\.com/);
    expect(r).not.toContain('--dport 53');
    expect(ispRuleset(rows, { intercept: true })).toContain('-A PREROUTING -i cp-i0 -p udp --dport 53 ! -d 198.18.1.53 -j DNAT --to-destination 198.18.1.53:53');
  });

  it('sends the proxied site and the neutral server through the transparent proxy', () => {
    const ports = proxyPorts(rows);
    expect(ports.map((p) => p.target).sort()).toEqual([rows[1]?.siteIp, '198.18.3.80'].sort());
    expect(ispRuleset(rows, { intercept: false })).toContain(`-d ${rows[1]?.siteIp} --dport 80 -j REDIRECT --to-ports ${ports[0]?.port}`);
  });
});

describe('resolver configs', () => {
  it('lies at the ISP and tells the truth abroad', () => {
    const isp = ispUnbound(rows, '/s', '/s/l', '/s/p.py');
    expect(isp).toContain('local-zone: "nx.com." always_nxdomain');
    expect(isp).toContain(`local-data: "bp.com. 300 IN A 198.18.1.80"`);
    expect(isp).toContain('local-zone: "sf.com." transparent');
    expect(isp).toContain('module-config: "python iterator"');
    expect(isp).toContain('local-zone: "." static');
    const world = worldUnbound(rows, '/s', '/s/l');
    expect(world).toContain(`local-data: "nx.com. 300 IN A ${rows[4]?.siteIp}"`);
    expect(world).not.toContain('gone.com');
    const py = ispPython(rows);
    expect(py).toContain('sf.com.');
    expect(py).toContain('cy.com.');
  });

  it('puts the client, ISP and world on their fixed addresses, with no route out of the ISP', () => {
    const b = topologyBatches(['198.18.16.1']);
    expect(b.client).toContain('route add default via 198.18.0.1');
    expect(b.isp.some((l) => l.startsWith('route add default'))).toBe(false);
    expect(b.world).toContain('addr add 198.18.16.1/32 dev lo');
    expect(b.root.every((l) => !/ cp-(?:c0|i0|i1|w0) type veth/.test(l) || l.includes(' netns '))).toBe(true);
  });
});
