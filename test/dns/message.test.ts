import dnsPacket, { type Answer } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import {
  DnsNameError,
  EDNS_UDP_SIZE,
  MAX_RECORDS_PER_SECTION,
  decodeReply,
  encodeQuery,
  hasAnswerFor,
  type EncodedQuery,
} from '../../src/dns/message.js';
import { a, reply } from './servers.js';

const asked = (q: EncodedQuery) => dnsPacket.decode(q.wire);

describe('encodeQuery', () => {
  it('asks recursively with EDNS0 and a random 16-bit ID', () => {
    const q = encodeQuery('bet.example.gr.', 'A');
    const packet = asked(q);
    expect(q.name).toBe('bet.example.gr');
    expect(packet.id).toBe(q.id);
    expect(packet.flag_rd).toBe(true);
    expect(packet.questions).toEqual([{ name: 'bet.example.gr', type: 'A', class: 'IN' }]);
    const opt = packet.additionals?.find((r) => r.type === 'OPT');
    expect(opt && 'udpPayloadSize' in opt ? opt.udpPayloadSize : null).toBe(EDNS_UDP_SIZE);
    const ids = new Set(Array.from({ length: 32 }, () => encodeQuery('x.test', 'A').id));
    expect(ids.size).toBeGreaterThan(1);
    for (const id of ids) expect(id >= 0 && id <= 0xffff).toBe(true);
  });

  it('refuses names that cannot be sent', () => {
    expect(() => encodeQuery('22bet.ελ', 'A')).toThrow(DnsNameError);
    expect(() => encodeQuery('a..b', 'A')).toThrow(DnsNameError);
    expect(() => encodeQuery(`${'x'.repeat(64)}.gr`, 'A')).toThrow(DnsNameError);
    expect(() => encodeQuery('', 'A')).toThrow(DnsNameError);
    expect(encodeQuery('xn--22bet-9ve.xn--qxam', 'A').name).toBe('xn--22bet-9ve.xn--qxam');
  });
});

describe('decodeReply', () => {
  const q = encodeQuery('casino.example', 'A');
  const query = asked(q);

  it('decodes a genuine answer with its flags and records', () => {
    const r = decodeReply(reply(query, { answers: [a('casino.example', '192.0.2.7', 300)] }), q);
    expect(r).toMatchObject({ ours: true, id: q.id, rcode: 'NOERROR', failure: null });
    expect(r.flags).toEqual(['rd', 'ra']);
    expect(r.answers).toEqual([{ section: 'answer', answer_type: 'A', hostname: 'casino.example', ttl: 300, ipv4: '192.0.2.7' }]);
  });

  it('maps NXDOMAIN and keeps the SOA mname and rname', () => {
    const soa: Answer = { type: 'SOA', name: 'casino.example', ttl: 10, data: { mname: 'localhost', rname: 'hostmaster.localhost', serial: 1 } };
    const r = decodeReply(reply(query, { rcode: 'NXDOMAIN', authorities: [soa] }), q);
    expect(r.failure).toBe('dns_nxdomain_error');
    expect(r.rcode).toBe('NXDOMAIN');
    expect(r.answers).toEqual([
      { section: 'authority', answer_type: 'SOA', hostname: 'casino.example', ttl: 10, target: 'localhost', rname: 'hostmaster.localhost' },
    ]);
  });

  it('maps REFUSED, SERVFAIL and other rcodes', () => {
    expect(decodeReply(reply(query, { rcode: 'REFUSED' }), q).failure).toBe('dns_refused_error');
    expect(decodeReply(reply(query, { rcode: 'SERVFAIL' }), q).failure).toBe('dns_servfail_error');
    expect(decodeReply(reply(query, { rcode: 'NOTIMP' }), q)).toMatchObject({ rcode: 'NOTIMP', failure: 'dns_server_misbehaving' });
  });

  it('calls NOERROR without data dns_no_answer', () => {
    const r = decodeReply(reply(query), q);
    expect(r).toMatchObject({ ours: true, rcode: 'NOERROR', failure: 'dns_no_answer', answers: [] });
  });

  it('keeps an answer put only in ADDITIONAL (Cyta) but calls it dns_no_answer', () => {
    const r = decodeReply(reply(query, { additionals: [a('casino.example', '78.87.2.91')] }), q);
    expect(r.failure).toBe('dns_no_answer');
    expect(r.answers).toEqual([{ section: 'additional', answer_type: 'A', hostname: 'casino.example', ttl: 60, ipv4: '78.87.2.91' }]);
  });

  it('follows CNAMEs within the answer, and a dangling CNAME is no answer', () => {
    const cname: Answer = { type: 'CNAME', name: 'CASINO.example', ttl: 5, data: 'edge.cdn.test' };
    const ok = decodeReply(reply(query, { answers: [cname, a('edge.cdn.test', '192.0.2.9')] }), q);
    expect(ok.failure).toBeNull();
    expect(ok.answers[0]).toMatchObject({ answer_type: 'CNAME', target: 'edge.cdn.test' });
    expect(decodeReply(reply(query, { answers: [cname] }), q).failure).toBe('dns_no_answer');
    // An A for an unrelated owner does not answer our question.
    expect(decodeReply(reply(query, { answers: [a('other.test', '192.0.2.1')] }), q).failure).toBe('dns_no_answer');
  });

  it('an AAAA query is not answered by an A record', () => {
    const q6 = encodeQuery('casino.example', 'AAAA');
    const r = decodeReply(reply(asked(q6), { answers: [a('casino.example', '192.0.2.7')] }), q6);
    expect(r.failure).toBe('dns_no_answer');
    const six: Answer = { type: 'AAAA', name: 'casino.example', ttl: 1, data: '2001:db8::1' };
    expect(decodeReply(reply(asked(q6), { answers: [six] }), q6).answers[0]?.ipv6).toBe('2001:db8::1');
  });

  it('rejects a reply with another ID or another question, but not one in other letter case', () => {
    const wrongId = decodeReply(reply(query, { id: (q.id + 1) % 0x10000, answers: [a('casino.example', '10.0.0.1')] }), q);
    expect(wrongId).toMatchObject({ ours: false, id: (q.id + 1) % 0x10000, failure: 'dns_reply_with_wrong_query_id' });
    expect(wrongId.answers).toHaveLength(1);
    const other = decodeReply(reply(query, { question: { name: 'other.example', type: 'A' } }), q);
    expect(other).toMatchObject({ ours: false, failure: 'dns_reply_with_wrong_query_id' });
    const otherType = decodeReply(reply(query, { question: { name: 'casino.example', type: 'AAAA' } }), q);
    expect(otherType.ours).toBe(false);
    const cased = decodeReply(reply(query, { question: { name: 'CaSiNo.ExAmPlE', type: 'A' }, answers: [a('CaSiNo.ExAmPlE', '192.0.2.7')] }), q);
    expect(cased).toMatchObject({ ours: true, failure: null });
  });

  it('accepts an error reply without a question section, not a NOERROR one', () => {
    const bare = (rcode: number) => {
      const buf = Buffer.alloc(12);
      buf.writeUInt16BE(q.id, 0);
      buf.writeUInt16BE(0x8180 | rcode, 2);
      return buf;
    };
    expect(decodeReply(bare(5), q)).toMatchObject({ ours: true, failure: 'dns_refused_error' });
    expect(decodeReply(bare(0), q)).toMatchObject({ ours: false, failure: 'dns_reply_with_wrong_query_id' });
  });

  it('a query echoed back is not a reply', () => {
    expect(decodeReply(q.wire, q).ours).toBe(false);
  });

  it('a truncated packet is a parse error that keeps the header', () => {
    const full = reply(query, { answers: [a('casino.example', '192.0.2.7'), a('casino.example', '192.0.2.8')] });
    const r = decodeReply(full.subarray(0, full.length - 3), q);
    expect(r).toMatchObject({ ours: true, rcode: 'NOERROR', failure: 'dns_reply_parse_error' });
    // The first record decoded before the cut is kept as evidence.
    expect(r.answers.map((x) => x.ipv4)).toEqual(['192.0.2.7']);
    expect(decodeReply(full.subarray(0, 7), q)).toMatchObject({ ours: true, rcode: null, failure: 'dns_reply_parse_error' });
    expect(decodeReply(Buffer.alloc(1), q)).toMatchObject({ ours: false, id: null });
  });

  it('a compression loop is a parse error, never a hang', () => {
    const header = Buffer.alloc(12);
    header.writeUInt16BE(q.id, 0);
    header.writeUInt16BE(0x8180, 2);
    header.writeUInt16BE(1, 4); // QDCOUNT
    header.writeUInt16BE(1, 6); // ANCOUNT
    const question = Buffer.concat([Buffer.from('\x06casino\x07example\x00', 'latin1'), Buffer.from([0, 1, 0, 1])]);
    const at = 12 + question.length;
    // The answer's owner name points at itself.
    const selfLoop = Buffer.from([0xc0 | (at >> 8), at & 0xff, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
    const r = decodeReply(Buffer.concat([header, question, selfLoop]), q);
    expect(r).toMatchObject({ ours: true, failure: 'dns_reply_parse_error', answers: [] });
    // Two labels pointing forward and back at each other, in the question itself.
    const loopQ = Buffer.concat([header, Buffer.from([0xc0, 14, 0xc0, 12, 0, 1, 0, 1])]);
    expect(decodeReply(loopQ, q)).toMatchObject({ ours: true, failure: 'dns_reply_parse_error' });
  });

  it('garbage is a parse error when it carries our ID, not ours otherwise', () => {
    // An HTTP error page on port 53: its first bytes read as a query (QR clear), not a reply.
    const http = Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n');
    http.writeUInt16BE(q.id, 0);
    expect(decodeReply(http, q)).toMatchObject({ ours: false, failure: 'dns_reply_with_wrong_query_id' });
    // A reply header followed by a label of a reserved type (0x40).
    const junk = Buffer.concat([Buffer.alloc(12), Buffer.from([0x40, 0xff, 0x13, 0x37])]);
    junk.writeUInt16BE(q.id, 0);
    junk.writeUInt16BE(0x8180, 2);
    junk.writeUInt16BE(1, 4);
    expect(decodeReply(junk, q)).toMatchObject({ ours: true, rcode: 'NOERROR', failure: 'dns_reply_parse_error' });
    // Counts that promise more records than the bytes hold.
    const lying = Buffer.alloc(12);
    lying.writeUInt16BE(q.id, 0);
    lying.writeUInt16BE(0x8180, 2);
    lying.writeUInt16BE(0xffff, 6);
    expect(decodeReply(lying, q)).toMatchObject({ ours: true, failure: 'dns_reply_parse_error', answers: [] });
  });

  it('an A record with the wrong data length is a parse error', () => {
    const full = reply(query, { answers: [a('casino.example', '192.0.2.7')] });
    const bad = Buffer.from(full);
    bad.writeUInt16BE(3, bad.length - 6); // RDLENGTH 4 -> 3
    expect(decodeReply(bad.subarray(0, bad.length - 1), q).failure).toBe('dns_reply_parse_error');
  });

  it(`decodes at most ${MAX_RECORDS_PER_SECTION} records per section and still reads later sections`, () => {
    const many = Array.from({ length: 1500 }, (_, i) => a('casino.example', `10.${(i >> 8) & 255}.${i & 255}.1`));
    const r = decodeReply(reply(query, { answers: many, additionals: [a('ns.test', '192.0.2.53')] }), q);
    expect(r.failure).toBeNull();
    expect(r.answers.filter((x) => x.section === 'answer')).toHaveLength(MAX_RECORDS_PER_SECTION);
    expect(r.answers.filter((x) => x.section === 'additional').map((x) => x.ipv4)).toEqual(['192.0.2.53']);
  });

  it('reads the extended rcode from OPT', () => {
    const opt = { type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 1, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as const;
    const r = decodeReply(reply(query, { additionals: [opt as unknown as Answer] }), q);
    expect(r.rcode).toBe('BADVERS');
    expect(r.failure).toBe('dns_server_misbehaving');
    expect(r.answers).toEqual([]);
  });
});

describe('hasAnswerFor', () => {
  it('stops on a CNAME cycle', () => {
    const answers = [
      { section: 'answer' as const, answer_type: 'CNAME', hostname: 'x.test', ttl: 1, target: 'y.test' },
      { section: 'answer' as const, answer_type: 'CNAME', hostname: 'y.test', ttl: 1, target: 'x.test' },
    ];
    expect(hasAnswerFor(answers, 'x.test', 'A')).toBe(false);
  });
});
