// DNS wire format: encode our query, decode any reply into the observation's shape. Decoding never
// throws: what does not parse is a failure string, because a censor's malformed reply is a finding.
import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
import type { RecordType } from 'dns-packet';
import { CensorprobeError } from '../errors.js';
import type { DnsAnswer, DnsSection, Failure } from '../observations.js';
import { DNS_FAILURE } from './failures.js';

/** Records decoded per section; the rest are skipped so that 64 KB of answers cannot stall a probe. */
export const MAX_RECORDS_PER_SECTION = 512;
/** EDNS0 UDP size of the DNS Flag Day 2020: avoids IP fragmentation, which censors' paths mishandle. */
export const EDNS_UDP_SIZE = 1232;

/** A name that cannot be put in a query (non-ASCII, empty label, too long). */
export class DnsNameError extends CensorprobeError {
  override readonly code = 'CP_DNS_NAME';
}

export interface EncodedQuery {
  id: number;
  /** The name as asked, without a trailing dot. */
  name: string;
  type: RecordType;
  wire: Buffer;
}

export interface DecodedReply {
  /** ID and question match our query: only such a reply may decide the result. */
  ours: boolean;
  /** The reply's message ID, null when the datagram is too short to hold one. */
  id: number | null;
  rcode: string | null;
  flags: string[];
  answers: DnsAnswer[];
  failure: Failure;
}

// dns-packet exports per-record codecs that its typings omit; they let us decode record by record.
interface RawRecord {
  name: string;
  type: string;
  ttl?: number;
  data?: unknown;
  extendedRcode?: number;
}
interface RawQuestion {
  name: string;
  type: string;
  class: string;
}
interface Codec<T> {
  decode: ((buf: Buffer, offset: number) => T) & { bytes: number };
}
const codecs = dnsPacket as unknown as { answer: Codec<RawRecord>; question: Codec<RawQuestion> };

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];
const EXTENDED_RCODES: Record<number, string> = { 16: 'BADVERS' };

export function rcodeName(code: number): string {
  return RCODES[code] ?? EXTENDED_RCODES[code] ?? `RCODE_${code}`;
}

/** Strips one trailing dot and checks the name fits in a query; IDNs must already be punycode. */
export function normaliseName(name: string): string {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  // Printable ASCII only: a Unicode label would be sent as UTF-8 bytes, which no resolver matches.
  if (bare === '' || !/^[\x21-\x7e]+$/.test(bare)) {
    throw new DnsNameError(`cannot ask DNS for "${name}": not an ASCII host name`, { hint: 'convert IDNs to punycode first' });
  }
  const labels = bare.split('.');
  if (bare.length > 253 || labels.some((l) => l.length === 0 || l.length > 63)) {
    throw new DnsNameError(`cannot ask DNS for "${name}": empty or oversized label, or longer than 253 bytes`);
  }
  return bare;
}

/** A recursive query (RD) with a random ID and an EDNS0 OPT record. */
export function encodeQuery(name: string, type: RecordType): EncodedQuery {
  const asked = normaliseName(name);
  const id = randomInt(0, 0x10000);
  const wire = dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name: asked, type, class: 'IN' }],
    additionals: [
      { type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] },
    ],
  });
  return { id, name: asked, type, wire };
}

const FLAG_BITS: [string, number][] = [
  ['aa', 1 << 10],
  ['tc', 1 << 9],
  ['rd', 1 << 8],
  ['ra', 1 << 7],
  ['ad', 1 << 5],
  ['cd', 1 << 4],
];

class ParseError extends Error {}

/** Offset just past the name at `offset`, without following pointers (the record's own bytes). */
function skipName(buf: Buffer, offset: number): number {
  let p = offset;
  for (;;) {
    const len = buf[p];
    if (len === undefined) throw new ParseError('name runs past the end');
    if (len === 0) return p + 1;
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= buf.length) throw new ParseError('pointer runs past the end');
      return p + 2;
    }
    if ((len & 0xc0) !== 0) throw new ParseError('bad label type');
    p += 1 + len;
  }
}

function toAnswer(raw: RawRecord, section: DnsSection): DnsAnswer {
  const answer: DnsAnswer = { section, answer_type: raw.type, hostname: raw.name, ttl: raw.ttl ?? null };
  const data = raw.data;
  switch (raw.type) {
    case 'A':
      if (typeof data === 'string') answer.ipv4 = data;
      break;
    case 'AAAA':
      if (typeof data === 'string') answer.ipv6 = data;
      break;
    case 'CNAME':
    case 'DNAME':
    case 'NS':
    case 'PTR':
      if (typeof data === 'string') answer.target = data;
      break;
    case 'SOA': {
      const soa = data as { mname?: unknown; rname?: unknown } | undefined;
      if (typeof soa?.mname === 'string') answer.target = soa.mname;
      if (typeof soa?.rname === 'string') answer.rname = soa.rname;
      break;
    }
  }
  return answer;
}

interface Parsed {
  id: number | null;
  isResponse: boolean;
  rcode: string | null;
  flags: string[];
  question: RawQuestion | null;
  questionCount: number;
  answers: DnsAnswer[];
  /** Set when some part did not decode; what decoded before it is kept. */
  error: string | null;
}

/** Decodes as much as possible; stops at the first malformed part. */
function parse(buf: Buffer): Parsed {
  const out: Parsed = { id: null, isResponse: false, rcode: null, flags: [], question: null, questionCount: 0, answers: [], error: null };
  try {
    if (buf.length < 2) throw new ParseError('shorter than a message ID');
    out.id = buf.readUInt16BE(0);
    if (buf.length < 12) throw new ParseError('shorter than a DNS header');
    const bits = buf.readUInt16BE(2);
    out.isResponse = (bits & 0x8000) !== 0;
    let rcode = bits & 0xf;
    out.rcode = rcodeName(rcode);
    out.flags = FLAG_BITS.filter(([, bit]) => (bits & bit) !== 0).map(([flag]) => flag);
    out.questionCount = buf.readUInt16BE(4);
    const counts: [DnsSection, number][] = [
      ['answer', buf.readUInt16BE(6)],
      ['authority', buf.readUInt16BE(8)],
      ['additional', buf.readUInt16BE(10)],
    ];
    let offset = 12;
    for (let i = 0; i < out.questionCount; i++) {
      const q = codecs.question.decode(buf, offset);
      if (i === 0) out.question = q;
      offset += codecs.question.decode.bytes;
      if (offset > buf.length) throw new ParseError('question runs past the end');
    }
    for (const [section, count] of counts) {
      for (let i = 0; i < count; i++) {
        const nameEnd = skipName(buf, offset);
        if (nameEnd + 10 > buf.length) throw new ParseError('record header runs past the end');
        const type = buf.readUInt16BE(nameEnd);
        const end = nameEnd + 10 + buf.readUInt16BE(nameEnd + 8);
        if (end > buf.length) throw new ParseError('record data runs past the end');
        // Fixed-size address records must be exactly that size: dns-packet would read past them.
        if ((type === 1 && end - nameEnd !== 14) || (type === 28 && end - nameEnd !== 26)) {
          throw new ParseError('address record of the wrong length');
        }
        if (i < MAX_RECORDS_PER_SECTION) {
          const raw = codecs.answer.decode(buf, offset);
          if (raw.type === 'OPT') {
            // The OPT pseudo-record carries the upper rcode bits; it is not data about the name.
            rcode |= (raw.extendedRcode ?? 0) << 4;
            out.rcode = rcodeName(rcode);
          } else {
            out.answers.push(toAnswer(raw, section));
          }
        }
        offset = end;
      }
    }
  } catch (err) {
    // dns-packet throws plain Errors and RangeErrors on bad input: all of them mean "does not parse".
    out.error = err instanceof Error ? err.message : String(err);
  }
  return out;
}

const lower = (s: string) => s.toLowerCase();

/** Is there a record of the asked type for the name, following CNAMEs within the ANSWER section? */
export function hasAnswerFor(answers: DnsAnswer[], name: string, type: string): boolean {
  const inAnswer = answers.filter((a) => a.section === 'answer');
  const chain = new Set([lower(name)]);
  // Bounded: each round adds a name or stops, and a chain cannot be longer than the records.
  for (let round = 0; round <= inAnswer.length; round++) {
    let grew = false;
    for (const a of inAnswer) {
      if (a.answer_type === 'CNAME' && a.target !== undefined && chain.has(lower(a.hostname)) && !chain.has(lower(a.target))) {
        chain.add(lower(a.target));
        grew = true;
      }
    }
    if (!grew) break;
  }
  return inAnswer.some((a) => a.answer_type === type && chain.has(lower(a.hostname)));
}

export function rcodeFailure(rcode: string): Failure {
  switch (rcode) {
    case 'NOERROR':
      return null;
    case 'NXDOMAIN':
      return DNS_FAILURE.nxdomain;
    case 'REFUSED':
      return DNS_FAILURE.refused;
    case 'SERVFAIL':
      return DNS_FAILURE.servfail;
    default:
      return DNS_FAILURE.misbehaving;
  }
}

/**
 * Decodes a reply and judges whether it answers `query`. Ours means: our ID, the QR bit, and our
 * question (name compared case-insensitively, as resolvers may randomise case), or no question at
 * all with an error rcode (servers answer FORMERR/REFUSED that way). A reply with our ID whose
 * question does not decode is still ours: it is a malformed reply to us, not someone else's.
 */
export function decodeReply(buf: Buffer, query: EncodedQuery): DecodedReply {
  const p = parse(buf);
  const base = { id: p.id, rcode: p.rcode, flags: p.flags, answers: p.answers };
  if (p.id !== query.id || (p.rcode !== null && !p.isResponse)) {
    return { ...base, ours: false, failure: DNS_FAILURE.wrongId };
  }
  if (p.question !== null) {
    const q = p.question;
    if (lower(q.name) !== lower(query.name) || q.type !== query.type || q.class !== 'IN') {
      return { ...base, ours: false, failure: DNS_FAILURE.wrongId };
    }
  } else if (p.error === null && (p.questionCount > 0 || p.rcode === 'NOERROR')) {
    return { ...base, ours: false, failure: DNS_FAILURE.wrongId };
  }
  if (p.error !== null || p.rcode === null) return { ...base, ours: true, failure: DNS_FAILURE.parse };
  const failure = rcodeFailure(p.rcode) ?? (hasAnswerFor(p.answers, query.name, query.type) ? null : DNS_FAILURE.noAnswer);
  return { ...base, ours: true, failure };
}
