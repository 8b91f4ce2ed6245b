// The probe's own DNS client: every reply with its sections, rcode and source, over UDP, TCP, DoH.
export { DNS_FAILURE, failureFromError } from './failures.js';
export {
  DnsNameError,
  EDNS_UDP_SIZE,
  MAX_RECORDS_PER_SECTION,
  decodeReply,
  encodeQuery,
  hasAnswerFor,
  normaliseName,
  rcodeFailure,
  rcodeName,
  type DecodedReply,
  type EncodedQuery,
} from './message.js';
export { DEFAULT_LATE_WINDOW_MS, MAX_REPLIES, type DnsOptions, type QueryType } from './options.js';
export { queryUdp, type DnsServer } from './udp.js';
export { queryTcp } from './tcp.js';
export { closeDohAgents, queryDoh } from './doh.js';
export { decidingReply, parseResolverSpec, query, resolverAddress, type DnsTransport, type ResolverSpec } from './resolver.js';
