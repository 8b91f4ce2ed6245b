// What every DNS transport takes, and the observation each reply (or its absence) becomes.
import type { RecordType } from 'dns-packet';
import type { DnsEngine, DnsQuery, Failure } from '../observations.js';
import type { StepOptions } from '../net/step.js';
import type { DecodedReply, EncodedQuery } from './message.js';

export interface DnsOptions extends StepOptions {
  /** UDP: how long to keep listening after the first reply, for injected or duplicate ones. */
  lateWindowMs?: number;
  /** Cancels the query; the observation then has failure `interrupted`. */
  signal?: AbortSignal;
  /** DoH: trust anchors instead of Node's CAs plus NODE_EXTRA_CA_CERTS. */
  ca?: string | Buffer | (string | Buffer)[];
  /** DoH with a host name: connect to this IP instead of resolving the name (needed under a guard). */
  bootstrapIp?: string;
  /**
   * UDP: called once with the replies so far as soon as the reply a client acts on is in (not
   * truncated), while the late window still listens; lets the caller go on without waiting for it.
   * Other transports decide when their promise resolves and never call it.
   */
  onDecided?: (soFar: DnsQuery[]) => void;
  /**
   * UDP: resend the same query (same ID, same socket) this many times, evenly spaced within the
   * timeout, while none of our replies has come: one lost datagram is not an unanswered query, and a
   * stub resolver resends too. Default 2; 0 sends once.
   */
  resends?: number;
}

export const DEFAULT_RESENDS = 2;

export const DEFAULT_LATE_WINDOW_MS = 300;
/** Replies recorded per query at most: a flood must not grow memory without bound. */
export const MAX_REPLIES = 64;

export type QueryType = RecordType;

export interface QueryContext {
  engine: DnsEngine;
  resolverAddress: string;
  query: EncodedQuery;
  tags: DnsOptions['tags'];
  t0: number;
}

/** The observation for one reply; `replyIndex` is -1 for a reply that is not ours. */
export function replyObservation(
  ctx: QueryContext,
  reply: DecodedReply,
  t: number,
  replyIndex: number,
  from?: string,
): DnsQuery {
  return {
    engine: ctx.engine,
    resolver_address: ctx.resolverAddress,
    hostname: ctx.query.name,
    query_type: ctx.query.type,
    // The reply's own ID: a wrong one is the evidence.
    transaction_id: reply.id ?? ctx.query.id,
    t0: ctx.t0,
    t,
    failure: reply.failure,
    rcode: reply.rcode,
    flags: reply.flags,
    answers: reply.answers,
    reply_index: replyIndex,
    ...(from === undefined ? {} : { reply_from: from }),
    tags: [...ctx.tags],
  };
}

/** The observation when no reply of ours came (timeout, refused connection, ...). */
export function failureObservation(ctx: QueryContext, failure: Failure, t: number, replyIndex = 0): DnsQuery {
  return {
    engine: ctx.engine,
    resolver_address: ctx.resolverAddress,
    hostname: ctx.query.name,
    query_type: ctx.query.type,
    transaction_id: ctx.query.id,
    t0: ctx.t0,
    t,
    failure,
    rcode: null,
    flags: [],
    answers: [],
    reply_index: replyIndex,
    tags: [...ctx.tags],
  };
}
