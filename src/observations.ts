// Observations: plain data produced by measuring steps, never by judging. Field names follow OONI's
// data formats (ooni/spec data-formats df-002-dnst, df-005-tcpconnect, df-006-tlshandshake,
// df-001-httpt) and failure strings follow df-007-errors, so JSONL lines read like OONI's test_keys.
// Times `t0`/`t` are seconds since the entry's measurement started, as in OONI.

/** An OONI failure string (`dns_nxdomain_error`, `connection_reset`, ...) or null for success. */
export type Failure = string | null;

/** Where a step's result is used in the plan; the analysis reads steps by tag. */
export type StepTag =
  | 'isp' // the resolver under test
  | 'isp-direct' // the ISP's own resolver, asked directly when the system resolver is a relay
  | 'foreign' // a control resolver abroad
  | 'direct' // the real name on the site's true IP
  | 'swap-innocuous' // an innocuous name on the site's true IP
  | 'swap-real-neutral' // the real name on a neutral IP (SNI/Host DPI check)
  | 'path' // the full listed URL on the site's true IP
  | 'isp-answer' // the ISP's answer, checked for a certificate valid for the name
  | 'sandwich' // an innocuous control request around a suspicious one
  | 'retry'
  | 'shared'; // made once for several entries (same name asked, or the same address's innocuous request) and copied here

export type DnsSection = 'answer' | 'authority' | 'additional';

export interface DnsAnswer {
  section: DnsSection;
  answer_type: string; // 'A', 'AAAA', 'CNAME', 'SOA', ...
  hostname: string; // owner name
  ttl: number | null;
  ipv4?: string;
  ipv6?: string;
  /** CNAME/NS/PTR target or the SOA's mname. */
  target?: string;
  /** The SOA's rname (hostmaster mailbox); lying resolvers give themselves away by it. */
  rname?: string;
  /** Origin AS of `ipv4`/`ipv6` from offline data (a hint: the data has errors), added by the probe. */
  asn?: number;
}

export type DnsEngine = 'udp' | 'tcp' | 'doh';

/** One reply (or the failure to get one) to one question from one resolver. */
export interface DnsQuery {
  engine: DnsEngine;
  /** `IP:PORT` for udp/tcp, the URL for doh. */
  resolver_address: string;
  hostname: string;
  query_type: string; // 'A' | 'AAAA' | ...
  transaction_id: number;
  t0: number;
  t: number;
  failure: Failure;
  /** Rcode name ('NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', ...), null without a reply. */
  rcode: string | null;
  /** Header flags that were set: 'aa', 'tc', 'rd', 'ra', 'ad', 'cd'. */
  flags: string[];
  /** Every record of every section, each tagged with its section. */
  answers: DnsAnswer[];
  /**
   * 0 for the reply that decides (the first of ours, or the failure when none came), 1.. for later
   * replies of ours (injected answers arrive first), -1 for replies that are not ours (wrong ID or
   * question), recorded as evidence but never deciding. `transaction_id` is the reply's own ID.
   */
  reply_index: number;
  /** Source address of the reply (UDP/TCP), when it differs from the resolver this is evidence. */
  reply_from?: string;
  /** UDP: how many times the query was sent, when more than once (no reply came in time, as a stub resolver resends). */
  attempts?: number;
  tags: StepTag[];
}

export interface TcpConnect {
  ip: string;
  port: number;
  t0: number;
  t: number;
  status: { success: boolean; failure: Failure };
  tags: StepTag[];
}

export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** Names the certificate is valid for (subjectAltName DNS entries, else CN). */
  names: string[];
  valid_from: string;
  valid_to: string;
  fingerprint256: string;
}

export interface TlsHandshake {
  address: string; // IP:PORT
  server_name: string;
  t0: number;
  t: number;
  failure: Failure;
  tls_version: string | null;
  negotiated_protocol: string | null;
  /** The chain verified against the trust store (Node's plus NODE_EXTRA_CA_CERTS). */
  trusted: boolean;
  /** The leaf certificate is valid for `server_name`. */
  valid_for_name: boolean;
  /** Node's verification error code when not trusted (e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`). */
  verify_error: string | null;
  peer_certificate: CertificateSummary | null;
  /**
   * The chain the peer presented, leaf first, each certificate's DER in base64 (OONI df-006's
   * `peer_certificates` data). Left out of a handshake whose leaf an earlier handshake of the same
   * entry already recorded (same `peer_certificate.fingerprint256`): read it from there.
   */
  peer_certificates?: string[];
  tags: StepTag[];
}

export interface HttpRequest {
  request: {
    url: string;
    method: string;
    /** The address the request was sent to (the measured socket's peer). */
    address: string;
    /** Host header (HTTP) or SNI (HTTPS) actually used. */
    host: string;
    headers: Record<string, string>;
  };
  response: {
    code: number;
    headers: Record<string, string>;
    /** Bytes of body read; stops at the cap. */
    body_length: number;
    body_is_truncated: boolean;
    /** The first bytes of the body decoded as text (charset-aware), capped for the JSONL. */
    body: string;
    body_sha256: string;
    title: string | null;
  } | null;
  failure: Failure;
  t0: number;
  t: number;
  tags: StepTag[];
}

/** The control helper's answer, shaped like OONI's web_connectivity control response. */
export interface ControlResponse {
  dns: { failure: Failure; addrs: string[] };
  /** Keyed by `IP:PORT`. */
  tcp_connect: Record<string, { status: boolean; failure: Failure }>;
  /** Keyed by `IP:PORT`. */
  tls_handshake: Record<string, { server_name: string; status: boolean; failure: Failure }>;
  http_request: {
    failure: Failure;
    status_code: number;
    title: string;
    body_length: number;
    /** SHA-256 of the first bytes of the body (hex). */
    body_sha256: string;
    headers: Record<string, string>;
    /** The URL whose answer this is, after following redirects (absent from older helpers). */
    final_url?: string;
  };
}

/**
 * A fetch the plan chose not to make, and why, so that a reader of the record knows it was not
 * measured rather than lost.
 */
export interface SkippedFetch {
  /** What it would have fetched, as `HttpRequest.request.url`. */
  url: string;
  /** `IP:PORT` it would have been sent to. */
  address: string;
  /** The name it would have sent (Host header). */
  host: string;
  /** The tags it would have carried. */
  tags: StepTag[];
  /**
   * `https_decided`: an https:// entry's own fetch (the real name from the same address, a
   * certificate trusted and valid for it, a whole 2xx page that is no blockpage) already showed the
   * site, so the same page was not fetched again over plain HTTP.
   */
  reason: 'https_decided';
  /** The fetch that decided: its `url @address`. */
  decided_by: string;
}

/** What one entry's measurement produced: the raw material of the analysis. */
export interface TestKeys {
  queries: DnsQuery[];
  tcp_connect: TcpConnect[];
  tls_handshakes: TlsHandshake[];
  requests: HttpRequest[];
  control: ControlResponse | null;
  control_failure: Failure;
  /** Fetches the plan left out on purpose, with the reason (absent when none was). */
  skipped?: SkippedFetch[];
}

/** The entry as measured: the listed form is kept for reports, the ASCII form is what was sent. */
export interface Target {
  input: string; // exactly as listed
  url: string; // normalised, ASCII (punycode) host
  scheme: 'http' | 'https';
  host: string; // ASCII (punycode) or IP literal
  host_unicode: string;
  port: number | null; // explicit port from the list, else null
  path: string; // path + query, '/' when none
  is_ip: boolean;
  category_code: string;
  list: string; // list file the entry came from
}
