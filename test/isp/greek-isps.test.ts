import { describe, expect, it } from 'vitest';
import { blockpageIps, textFingerprints } from '../../src/analysis/fingerprints.js';
import { asnOf } from '../../src/isp/asn.js';
import { blockpageOwner, greekIsps, identifyIsp, ispById, ispFingerprints } from '../../src/isp/greek-isps.js';
import { isRelayAddress, parseResolvConf, resolversToMeasure } from '../../src/isp/resolvers.js';

describe('Greek ISP table', () => {
  it('gives every fact a source', () => {
    for (const isp of greekIsps) {
      for (const f of [...isp.asns, ...isp.resolvers]) expect(f.source, isp.id).not.toBe('');
    }
  });

  it('references only fingerprints the analysis holds, and every Greek blockpage IP has an owner', () => {
    const known = new Set([...blockpageIps, ...textFingerprints].map((f) => f.name));
    for (const isp of greekIsps) for (const name of isp.fingerprints) expect(known.has(name), `${isp.id}: ${name}`).toBe(true);
    for (const fp of blockpageIps) expect(blockpageOwner(fp.ip), fp.ip).not.toBeNull();
  });

  it('names the ISP from the ASN of the volunteer address, offline', () => {
    // Cosmote's published resolver stands in for a volunteer address in its network.
    expect(identifyIsp({ asn: asnOf('195.170.0.1')?.asn })).toMatchObject({ id: 'cosmote', asn: 6799, historical: false, simulated: false });
    expect(identifyIsp({ asn: 25472 })).toMatchObject({ id: 'nova', brand: 'Wind (merged into Nova)' });
    expect(identifyIsp({ asn: 3329 })).toMatchObject({ id: 'vodafone', historical: false });
    expect(identifyIsp({ asn: 6866 })).toMatchObject({ id: 'vodafone', historical: true });
    expect(identifyIsp({ asn: 13335 })).toBeNull();
    expect(identifyIsp({})).toBeNull();
  });

  it('names the lab ISP for the lab range, marked simulated', () => {
    const m = identifyIsp({ publicIp: '198.18.0.2', asn: asnOf('198.18.0.2')?.asn });
    expect(m).toMatchObject({ id: 'lab', name: 'Lab ISP (simulated)', simulated: true });
    expect(identifyIsp({ publicIp: '198.20.0.1' })).toBeNull();
  });

  it("finds the ISP's blockpages through the analysis's fingerprints", () => {
    const ote = ispById('cosmote');
    expect(ote).toBeDefined();
    const fps = ispFingerprints(ote!);
    expect(fps.ips.map((f) => f.ip)).toEqual(['83.235.64.20']);
    expect(fps.texts.some((f) => f.field === 'soa' && f.value === 'hostmaster.localhost')).toBe(true);
    expect(fps.ips.every((f) => f.historical)).toBe(true);
    expect(blockpageOwner('62.169.194.8')?.isp.id).toBe('nova');
    expect(blockpageOwner('1.1.1.1')).toBeNull();
  });
});

describe('resolvers to measure', () => {
  it('parses resolv.conf', () => {
    expect(parseResolvConf('# x\nnameserver 192.168.1.1\nnameserver fe80::1%eth0 ; y\nsearch lan\nnameserver bogus\n')).toEqual(['192.168.1.1', 'fe80::1%eth0']);
  });

  it('tells a router or stub relay from a resolver', () => {
    for (const a of ['192.168.1.1', '10.0.0.138', '172.16.5.1', '127.0.0.53', 'fe80::1%wlan0', 'fd00::1']) expect(isRelayAddress(a), a).toBe(true);
    for (const a of ['195.170.0.1', '198.18.1.53', '2a02:587:101:0:195:170:0:1', 'nonsense']) expect(isRelayAddress(a), a).toBe(false);
  });

  it("adds the ISP's own resolvers behind a home router, and reports both", () => {
    const plan = resolversToMeasure('192.168.1.1', ispById('cosmote') ?? null);
    expect(plan.relayedBy).toBe('192.168.1.1');
    expect(plan.resolvers.map((r) => [r.address, r.role])).toEqual([
      ['192.168.1.1', 'system'],
      ['195.170.0.1', 'isp'],
      ['212.205.212.205', 'isp'],
    ]);
    expect(resolversToMeasure('192.168.1.1', ispById('cosmote') ?? null, { ipv6: true }).resolvers).toHaveLength(4);
  });

  it('does not measure the same resolver twice, and without a known ISP keeps the system one', () => {
    const lab = resolversToMeasure('198.18.1.53', ispById('lab') ?? null);
    expect(lab).toEqual({ relayedBy: null, resolvers: [expect.objectContaining({ address: '198.18.1.53', role: 'system', relay: false })] });
    expect(resolversToMeasure('192.168.1.1', null).resolvers).toHaveLength(1);
  });
});
