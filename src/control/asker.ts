// A long-lived asker for a whole run: the entries' control requests are queued and sent in
// batches over one keep-alive connection pool, instead of one fresh TCP (and TLS) connection per
// entry. Each caller still gets its own { response, failure }, as askControl would give it.
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { CensorprobeError, GuardError } from '../errors.js';
import { classifyError, FAILURE } from '../net/failure.js';
import {
  batchResponses,
  CONTROL_FAILURE,
  exchangeJson,
  helperDispatcher,
  literalHelper,
  resolveHelper,
  type AskOptions,
  type ControlAnswer,
  type HelperAddress,
} from './client.js';
import { CONTROL_BATCH_PATH, CONTROL_PATH, CONTROL_SERVER_DEFAULTS, isControlResponse, LIMITS, type ControlRequest } from './protocol.js';

export interface ControlAsker {
  /** Resolves with this request's own answer (same shape as askControl's). */
  ask(request: ControlRequest): Promise<ControlAnswer>;
  /** Counters for the report: batches sent, requests asked, single asks (fallback), batches retried. */
  stats(): { batches: number; asked: number; singles: number; retries: number };
  /** Flushes what is queued, waits for in-flight exchanges, closes the connections. */
  close(): Promise<void>;
}

export interface AskerOptions extends AskOptions {
  /** Requests per batch (default and most: LIMITS.maxBatch, what the helper accepts). */
  maxBatch?: number;
  /** How long the first queued request waits for company before its batch goes (default 20 ms). */
  waitMs?: number;
  /** Batches in flight at once (default 4); after a fallback, maxInFlight × maxBatch single asks. */
  maxInFlight?: number;
}

/** ask() after close(). */
export class AskerClosedError extends CensorprobeError {
  override readonly code = 'CP_CONTROL_ASKER_CLOSED';
}

export const ASKER_DEFAULTS = { waitMs: 20, maxInFlight: 4 } as const;

/**
 * The bound on one batch exchange. The helper measures a batch 8 at a time, each URL within its own
 * budget, the whole batch within 60 s; `perUrlMs` (the probe's bound on one single ask) stands for
 * one URL's budget, so a batch may take one such bound per wave of 8: for 32 URLs at 15 s, 60 s,
 * exactly the helper's batch budget. The waves add up the measurements' small overruns of their
 * deadlines and the answer is bigger, so one more per-URL bound (at most 5 s) is allowed on top.
 */
export function batchTimeoutMs(size: number, perUrlMs: number): number {
  const waves = Math.ceil(size / CONTROL_SERVER_DEFAULTS.batchConcurrency);
  return waves * perUrlMs + Math.min(perUrlMs, 5_000);
}

interface Pending {
  request: ControlRequest;
  resolve: (answer: ControlAnswer) => void;
  reject: (err: unknown) => void;
  queuedAt: number;
}

export function controlAsker(controlUrl: string, opts: AskerOptions): ControlAsker {
  const maxBatch = Math.max(1, Math.min(opts.maxBatch ?? LIMITS.maxBatch, LIMITS.maxBatch));
  const waitMs = Math.max(0, opts.waitMs ?? ASKER_DEFAULTS.waitMs);
  const maxInFlight = Math.max(1, opts.maxInFlight ?? ASKER_DEFAULTS.maxInFlight);
  const exchangeOpts = opts.token !== undefined ? { token: opts.token } : {};

  // An IP-literal helper is checked here and now (GuardError thrown to the caller); a named one
  // when first looked up, its GuardError then rejecting every ask.
  const literal = literalHelper(controlUrl, opts.guard);
  let target: Promise<{ helper: HelperAddress; pool: Dispatcher }> | null = literal
    ? Promise.resolve({ helper: literal, pool: helperDispatcher(literal, opts.ca, maxInFlight * maxBatch) })
    : null;
  const connection = (): Promise<{ helper: HelperAddress; pool: Dispatcher }> => {
    target ??= resolveHelper(controlUrl, opts.guard).then((helper) => ({
      helper,
      // Enough connections for the single asks after a fallback; batches use maxInFlight of them.
      pool: helperDispatcher(helper, opts.ca, maxInFlight * maxBatch),
    }));
    return target;
  };

  const queue: Pending[] = [];
  const counts = { batches: 0, asked: 0, singles: 0, retries: 0 };
  let inFlight = 0;
  let singlesOnly = false;
  let closing = false;
  let timer: NodeJS.Timeout | null = null;
  const idle: Array<() => void> = [];

  const capacity = (): number => (singlesOnly ? maxInFlight * maxBatch : maxInFlight);

  async function single(p: Pending): Promise<void> {
    counts.singles += 1;
    const { helper, pool } = await connection();
    const posted = await exchangeJson(pool, helper, CONTROL_PATH, p.request, { ...exchangeOpts, timeoutMs: opts.timeoutMs });
    if (posted.failure !== null) return p.resolve({ response: null, failure: posted.failure });
    p.resolve(
      isControlResponse(posted.body) ? { response: posted.body, failure: null } : { response: null, failure: CONTROL_FAILURE.invalidResponse },
    );
  }

  async function batch(members: Pending[]): Promise<void> {
    counts.batches += 1;
    const { helper, pool } = await connection();
    const payload = { requests: members.map((m) => m.request) };
    const post = () => exchangeJson(pool, helper, CONTROL_BATCH_PATH, payload, { ...exchangeOpts, timeoutMs: batchTimeoutMs(members.length, opts.timeoutMs) });
    let posted = await post();
    // A kept-alive connection the helper closed just as the batch went out ends without any
    // response, and undici does not retry a POST: one more try on a fresh connection, so that
    // 32 entries do not lose their control for a race.
    if (posted.status === null && (posted.failure === FAILURE.eof || posted.failure === FAILURE.connectionReset)) {
      counts.retries += 1;
      posted = await post();
    }
    if (posted.status === 404 || posted.status === 405) {
      // An older helper without the batch endpoint: single asks from now on, these first.
      singlesOnly = true;
      queue.unshift(...members);
      return;
    }
    const responses = posted.failure === null ? batchResponses(posted.body, members.length) : null;
    const failure = posted.failure ?? CONTROL_FAILURE.invalidResponse;
    members.forEach((m, i) => {
      const response = responses?.[i] ?? null;
      m.resolve(response !== null ? { response, failure: null } : { response: null, failure: responses ? CONTROL_FAILURE.invalidResponse : failure });
    });
  }

  function send(members: Pending[]): void {
    inFlight += 1;
    // A lone request goes as a batch of one too, so that `singles` counts only the fallback.
    const exchange = singlesOnly && members.length === 1 ? single(members[0]!) : batch(members);
    exchange
      .catch((err: unknown) => {
        // A GuardError (named helper outside --only-nets) is thrown to the callers, as askControl
        // throws it; a failed lookup of the helper's name is a failure like any network one.
        for (const m of members) {
          if (err instanceof GuardError) m.reject(err);
          else m.resolve({ response: null, failure: classifyError(err) });
        }
        if (!(err instanceof GuardError)) target = null;
      })
      .finally(() => {
        // undici frees a keep-alive connection on the next turn of the event loop (setImmediate
        // after the response), so the slot is released after it: the next exchange then finds
        // that connection free instead of opening another.
        setImmediate(() => {
          inFlight -= 1;
          pump();
        });
      });
  }

  function pump(): void {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    while (queue.length > 0 && inFlight < capacity()) {
      if (singlesOnly) {
        send([queue.shift()!]);
        continue;
      }
      const due = queue.length >= maxBatch || closing || performance.now() - queue[0]!.queuedAt >= waitMs;
      if (!due) break;
      send(queue.splice(0, maxBatch));
    }
    if (queue.length > 0 && inFlight < capacity()) {
      // Waiting for company: the batch goes when full (pump from ask) or when the first has waited.
      timer = setTimeout(pump, Math.max(0, queue[0]!.queuedAt + waitMs - performance.now()));
    }
    if (queue.length === 0 && inFlight === 0) for (const done of idle.splice(0)) done();
  }

  return {
    ask(request) {
      if (closing) return Promise.reject(new AskerClosedError('the control asker is closed: no more asks'));
      counts.asked += 1;
      return new Promise<ControlAnswer>((resolve, reject) => {
        queue.push({ request, resolve, reject, queuedAt: performance.now() });
        pump();
      });
    },
    stats: () => ({ ...counts }),
    async close() {
      closing = true;
      await new Promise<void>((resolve) => {
        idle.push(resolve);
        pump();
      });
      const open = target;
      target = null;
      if (open) await open.then(({ pool }) => pool.close(), () => undefined);
    },
  };
}
