import { describe, expect, it } from 'vitest';
import type { DnsQuery } from '../../src/observations.js';
import type { MeasurementRecord, ResolverInfo } from '../../src/record.js';
import { RunSummary } from '../../src/report/summary.js';
import { median, quantile } from '../../src/stats.js';

const ISP = '198.18.1.53:53';
const UDP = '198.18.3.53:53';
const DOH = 'https://198.18.3.53/dns-query';
const resolvers: ResolverInfo[] = [
  { spec: `udp://${ISP}`, role: 'isp', transport: 'udp', address: ISP },
  { spec: `udp://${UDP}`, role: 'foreign', transport: 'udp', address: UDP },
  { spec: DOH, role: 'foreign', transport: 'doh', address: DOH },
];

function q(address: string, engine: DnsQuery['engine'], ms: number, tag: 'isp' | 'foreign', says: string | null): DnsQuery {
  return {
    engine, resolver_address: address, hostname: 'x.gr', query_type: 'A', transaction_id: 1, t0: 1, t: 1 + ms / 1000,
    failure: says === null ? 'dns_nxdomain_error' : null, rcode: says === null ? 'NXDOMAIN' : 'NOERROR', flags: [],
    answers: says === null ? [] : [{ section: 'answer', answer_type: 'A', hostname: 'x.gr', ttl: 1, ipv4: says }], reply_index: 0, tags: [tag],
  };
}

function record(input: string, queries: DnsQuery[], verdict: MeasurementRecord['verdict'] = 'dns'): MeasurementRecord {
  return { input, verdict, layers: { dns: verdict === 'dns' ? { kind: 'nxdomain', evidence: [] } : null, ip: null, dpi: null, url: null }, test_keys: { queries, tcp_connect: [], tls_handshakes: [], requests: [], control: null, control_failure: null }, target: { host: input, is_ip: false, list: 'test.csv', category_code: 'GMB' }, truth_addrs: [] } as unknown as MeasurementRecord;
}

describe('RunSummary', () => {
  it('computes medians and p95 per resolver and the latency penalty', () => {
    const s = new RunSummary(resolvers);
    for (let i = 0; i < 10; i++) s.add(record(`e${i}`, [q(ISP, 'udp', 2, 'isp', '1.1.1.1'), q(UDP, 'udp', 20, 'foreign', '1.1.1.1'), q(DOH, 'doh', 22, 'foreign', '1.1.1.1')], 'ok'));
    const json = s.toJSON({}) as { latency_penalty: number; resolvers: { address: string; rtt_ms: { median: number } }[]; counts: Record<string, number> };
    expect(json.counts.ok).toBe(10);
    expect(json.resolvers.find((r) => r.address === ISP)?.rtt_ms.median).toBeCloseTo(2, 1);
    expect(json.latency_penalty).toBeCloseTo(21 / 2, 0);
  });

  it('takes the penalty from idle-line calibration when there is one', () => {
    const s = new RunSummary(resolvers);
    s.add(record('e', [q(ISP, 'udp', 50, 'isp', '1.1.1.1'), q(UDP, 'udp', 60, 'foreign', '1.1.1.1'), q(DOH, 'doh', 60, 'foreign', '1.1.1.1')], 'ok'));
    s.setCalibration('idle_before', { [`udp|${ISP}`]: [2, 2, 3], [`udp|${UDP}`]: [20, 21, 19], [`doh|${DOH}`]: [60, 61, 59] });
    const json = s.toJSON({}) as { latency_penalty: number; latency: { measured_on: string; under_load: { penalty: number } } };
    expect(json.latency.measured_on).toBe('idle_before');
    expect(json.latency_penalty).toBe(20); // median(20, 60) / 2
    expect(json.latency.under_load.penalty).toBeCloseTo(1.2, 1);
  });

  it('detects port-53 interception: a UDP "foreign" answer repeating the ISP lie DoH does not tell', () => {
    const s = new RunSummary(resolvers);
    for (let i = 0; i < 3; i++) s.add(record(`b${i}`, [q(ISP, 'udp', 1, 'isp', null), q(UDP, 'udp', 1, 'foreign', null), q(DOH, 'doh', 20, 'foreign', '198.18.16.1')]));
    const json = s.toJSON({}) as { dns_interception: { detected: boolean; resolvers: string[]; evidence: unknown[] }; latency: { excluded_intercepted: string[] } };
    expect(json.dns_interception.detected).toBe(true);
    expect(json.dns_interception.resolvers).toEqual([`udp://${UDP}`]);
    expect(json.dns_interception.evidence.length).toBe(3);
    expect(json.latency.excluded_intercepted).toEqual([`udp://${UDP}`]);
  });

  it('does not call agreement with the truth interception', () => {
    const s = new RunSummary(resolvers);
    for (let i = 0; i < 3; i++) s.add(record(`c${i}`, [q(ISP, 'udp', 1, 'isp', null), q(UDP, 'udp', 20, 'foreign', '198.18.16.1'), q(DOH, 'doh', 20, 'foreign', '198.18.16.1')]));
    expect((s.toJSON({}) as { dns_interception: { detected: boolean } }).dns_interception.detected).toBe(false);
  });

  it('median and quantile', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNull();
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
  });
});
