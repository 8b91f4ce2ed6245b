// The collective's PostgreSQL connection: a small pool whose queries and transactions are retried
// while the database is restarting, so that a PostgreSQL restart costs the uploaders a delay, not
// an error. Only errors that mean "the connection is gone" are retried; a transaction is retried
// whole (it was rolled back with its connection).
import pg from 'pg';
import { CollectiveStoreError } from './errors.js';

export interface Query {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
}

export interface Db extends Query {
  /** Runs `fn` in one transaction (BEGIN ... COMMIT); retried whole when the connection drops. */
  tx<T>(fn: (q: Query) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// Connection-level failures (class 08), shutdowns (57P0x) and socket errors: the server may be back soon.
const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '53300']);

export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (RETRYABLE.has(code) || code.startsWith('08')) return true;
  const msg = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|connection closed|Client has encountered a connection error|not queryable/i.test(msg);
}

export interface DbOptions {
  /** How long to keep retrying a statement while the database is unreachable (default 30 s). */
  retryForMs?: number;
  max?: number;
  log?: (m: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Secrets never reach the logs: the URL is shown without its password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

export function openDb(url: string, o: DbOptions = {}): Db {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new CollectiveStoreError(`--store: "${redactUrl(url)}" is not a postgres:// URL`, { hint: 'e.g. postgres://censorprobe:PASSWORD@127.0.0.1:5432/censorprobe' });
  }
  const pool = new pg.Pool({ connectionString: url, max: o.max ?? 8, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 });
  const log = o.log ?? ((m: string) => console.error(m));
  // An idle client losing its connection (PostgreSQL restarted) must not crash the server.
  pool.on('error', (err) => log(`collective: database connection lost (${err.message}); reconnecting on the next query`));
  const retryForMs = o.retryForMs ?? 30_000;

  async function retrying<T>(what: () => Promise<T>): Promise<T> {
    const until = Date.now() + retryForMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
      try {
        return await what();
      } catch (err) {
        if (!isConnectionError(err) || Date.now() + delay > until) throw wrap(err);
        await sleep(delay);
      }
    }
  }

  const q: Query = {
    query: async <R extends Record<string, unknown>>(text: string, params: unknown[] = []) => (await pool.query<R>(text, params)).rows,
  };

  return {
    query: (text, params) => retrying(() => q.query(text, params)),
    tx: (fn) =>
      retrying(async () => {
        const client = await pool.connect();
        // A checked-out client whose server goes away emits 'error': without a listener, a crash.
        const onError = (): void => undefined;
        client.on('error', onError);
        let broken = false;
        try {
          await client.query('BEGIN');
          const tq: Query = { query: async <R extends Record<string, unknown>>(text: string, params: unknown[] = []) => (await client.query<R>(text, params)).rows };
          const out = await fn(tq);
          await client.query('COMMIT');
          return out;
        } catch (err) {
          broken = isConnectionError(err);
          if (!broken) await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        } finally {
          client.off('error', onError);
          client.release(broken);
        }
      }),
    close: () => pool.end(),
  };
}

function wrap(err: unknown): unknown {
  if (err instanceof CollectiveStoreError || !isConnectionError(err)) return err;
  return new CollectiveStoreError(`the collective's database is unreachable: ${(err as Error).message}`, { cause: err });
}
