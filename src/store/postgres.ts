// The collective's back end: a shared PostgreSQL (`pg`). Every write transaction holds a
// transaction-level advisory lock on what it touches (a run's identity, the schema), so two
// volunteers recording the same run at once record it once, and different runs never wait long.
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Backend, ColumnType, SqlValue } from './backend.js';
import { StoreError } from './errors.js';

/** `?` placeholders to `$1, $2, ...` (the SQL of this folder never has `?` inside a literal). */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

const PG_TYPE: Record<ColumnType, string> = { int: 'bigint[]', text: 'text[]', real: 'float8[]' };

function lockKey(name: string): string {
  // A signed 64-bit key for pg_advisory_xact_lock, from the name's hash.
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

export function describePgError(where: string, err: unknown): StoreError {
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  const why =
    code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === '57P01' || code === '57P03' ? 'cannot be reached (is PostgreSQL running?)'
      : code === '28P01' || code === '28000' ? 'refused the login'
        : code === '3D000' ? 'has no such database'
          : code === '53100' ? 'is out of disk space'
            : code === '25006' || code === '42501' ? 'cannot be written (read-only or no permission)'
              : 'failed';
  return new StoreError(`the store ${where} ${why}: ${e.message || code || String(err)}`, { cause: err });
}

export class PostgresBackend implements Backend {
  readonly dialect = 'postgres' as const;
  readonly where: string;
  private client: pg.Client | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly url: string) {
    this.where = redactUrl(url);
  }

  static async connect(url: string): Promise<PostgresBackend> {
    const b = new PostgresBackend(url);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: 'censorprobe' });
    // A server that goes away later must not crash the process: the next query fails instead.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      throw describePgError(b.where, err);
    }
    b.client = client;
    return b;
  }

  private get c(): pg.Client {
    if (!this.client) throw new StoreError(`the store ${this.where} is closed`);
    return this.client;
  }

  private async q<T>(sql: string, params: readonly unknown[] = []): Promise<pg.QueryResult & { rows: T[] }> {
    try {
      return (await this.c.query(numbered(sql), params as unknown[])) as pg.QueryResult & { rows: T[] };
    } catch (err) {
      throw describePgError(this.where, err);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.c.query(sql);
    } catch (err) {
      throw describePgError(this.where, err);
    }
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.q<T>(sql, params)).rows;
  }

  async rows(sql: string, params: readonly SqlValue[] = []): Promise<unknown[][]> {
    try {
      return (await this.c.query({ text: numbered(sql), values: params as unknown[], rowMode: 'array' })).rows as unknown[][];
    } catch (err) {
      throw describePgError(this.where, err);
    }
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.q(sql, params)).rowCount ?? 0;
  }

  async ids(table: string, key: string, rows: ReadonlyMap<string, Record<string, SqlValue>>, types: Readonly<Record<string, ColumnType>> = {}): Promise<Map<string, number>> {
    const keys = [...rows.keys()].sort();
    const out = new Map<string, number>();
    if (keys.length === 0) return out;
    const extra = Object.keys(rows.get(keys[0]!)!);
    const cols = [key, ...extra];
    const arrays: unknown[][] = cols.map(() => []);
    for (const k of keys) {
      const r = rows.get(k)!;
      arrays[0]!.push(k);
      extra.forEach((c, i) => arrays[i + 1]!.push(r[c] ?? null));
    }
    const casts = cols.map((c, i) => (i === 0 ? 'text[]' : PG_TYPE[types[c] ?? 'text']));
    await this.q(
      `INSERT INTO ${table} (${cols.join(', ')}) SELECT * FROM unnest(${casts.map((t) => `?::${t}`).join(', ')}) ORDER BY 1 ON CONFLICT (${key}) DO NOTHING`,
      arrays,
    );
    const found = await this.q<{ id: number; k: string }>(`SELECT id, ${key} AS k FROM ${table} WHERE ${key} = ANY(?::text[])`, [keys]);
    for (const r of found.rows) out.set(r.k, Number(r.id));
    return out;
  }

  async insertRows(table: string, columns: readonly string[], rows: readonly SqlValue[][], types: readonly ColumnType[], onConflict?: 'ignore'): Promise<void> {
    const CHUNK = 20_000;
    for (let at = 0; at < rows.length; at += CHUNK) {
      const part = rows.slice(at, at + CHUNK);
      const arrays = columns.map((_, i) => part.map((r) => r[i] ?? null));
      await this.q(`INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${types.map((t) => `?::${PG_TYPE[t]}`).join(', ')})${onConflict ? ' ON CONFLICT DO NOTHING' : ''}`, arrays);
    }
  }

  transaction<T>(lock: string, fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(async () => {
      await this.exec('BEGIN');
      try {
        await this.q('SELECT pg_advisory_xact_lock(?::bigint)', [lockKey(lock)]);
        const result = await fn();
        await this.exec('COMMIT');
        return result;
      } catch (err) {
        await this.c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** The underlying client, for the benchmark's COPY only. */
  get handle(): pg.Client {
    return this.c;
  }

  async close(): Promise<void> {
    await this.chain;
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }
}
