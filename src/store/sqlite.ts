// The embedded back end: one file (better-sqlite3, synchronous underneath). WAL lets the history
// commands read while a run records; BEGIN IMMEDIATE plus a busy timeout makes two recorders on one
// machine wait for each other instead of interleaving.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Backend, ColumnType, SqlValue } from './backend.js';
import { StoreError } from './errors.js';

/** How long a writer waits for another to finish before giving up (a locked store); CENSORPROBE_STORE_WAIT_MS overrides. */
export function busyTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.CENSORPROBE_STORE_WAIT_MS);
  return Number.isInteger(n) && n >= 0 ? n : 20_000;
}

export function describeSqliteError(path: string, err: unknown): StoreError {
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  const why =
    code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') ? 'locked by another process for too long'
      : code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || ['EACCES', 'EROFS', 'EPERM', 'ENOTDIR', 'EISDIR', 'EEXIST'].includes(code) ? 'cannot be written (read-only file or folder?)'
        : code.startsWith('SQLITE_FULL') || code === 'ENOSPC' ? 'the disk is full'
          : code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB') ? 'is not a censorprobe store or is damaged'
            : 'failed';
  return new StoreError(`the store ${path} ${why}: ${e.message ?? String(err)}`, { cause: err });
}

/**
 * Transactions of this process on one file, one after another. Two connections of one process must
 * never wait on each other's file lock: better-sqlite3 waits synchronously, so the holder could never
 * finish. Other processes wait on the file lock (the busy timeout).
 */
const chains = new Map<string, Promise<unknown>>();

export class SqliteBackend implements Backend {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly cache = new Map<string, Database.Statement>();
  private readonly file: string;

  constructor(readonly where: string, options: { readonly?: boolean } = {}) {
    this.file = where === ':memory:' ? `:memory:${Math.random()}` : resolve(where);
    try {
      if (!options.readonly && where !== ':memory:') mkdirSync(dirname(where), { recursive: true });
      this.db = new Database(where, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false, timeout: busyTimeoutMs() });
      if (!options.readonly) {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
      }
      this.db.pragma('foreign_keys = OFF');
    } catch (err) {
      throw describeSqliteError(where, err);
    }
  }

  private stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      if (err instanceof Database.SqliteError) throw describeSqliteError(this.where, err);
      throw err;
    }
  }

  async exec(sql: string): Promise<void> {
    this.guard(() => this.db.exec(sql));
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.guard(() => this.stmt(sql).all(...params) as T[]);
  }

  private readonly rawCache = new Map<string, Database.Statement>();

  async rows(sql: string, params: readonly SqlValue[] = []): Promise<unknown[][]> {
    return this.guard(() => {
      let s = this.rawCache.get(sql);
      if (!s) this.rawCache.set(sql, (s = this.db.prepare(sql).raw(true)));
      return s.all(...params) as unknown[][];
    });
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.guard(() => this.stmt(sql).run(...params).changes);
  }

  /** Rows one at a time through `iterate`, for scans that must not sit in memory. */
  iterate<T>(sql: string, params: readonly SqlValue[] = []): IterableIterator<T> {
    return this.stmt(sql).iterate(...params) as IterableIterator<T>;
  }

  async ids(table: string, key: string, rows: ReadonlyMap<string, Record<string, SqlValue>>, _types?: Readonly<Record<string, ColumnType>>): Promise<Map<string, number>> {
    return this.guard(() => {
      const out = new Map<string, number>();
      const find = this.stmt(`SELECT id FROM ${table} WHERE ${key} = ?`);
      for (const k of [...rows.keys()].sort()) {
        let row = find.get(k) as { id: number } | undefined;
        if (!row) {
          const cols = rows.get(k)!;
          const names = [key, ...Object.keys(cols)];
          this.stmt(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(k, ...Object.values(cols));
          row = find.get(k) as { id: number };
        }
        out.set(k, row.id);
      }
      return out;
    });
  }

  async insertRows(table: string, columns: readonly string[], rows: readonly SqlValue[][], _types: readonly ColumnType[], onConflict?: 'ignore'): Promise<void> {
    this.guard(() => {
      const ins = this.stmt(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})${onConflict ? ' ON CONFLICT DO NOTHING' : ''}`);
      for (const r of rows) ins.run(...r);
    });
  }

  transaction<T>(_lock: string, fn: () => Promise<T>): Promise<T> {
    // BEGIN IMMEDIATE takes the write lock up front, so two writers never deadlock on an upgrade.
    const next = (chains.get(this.file) ?? Promise.resolve()).then(async () => {
      this.guard(() => this.db.exec('BEGIN IMMEDIATE'));
      try {
        const result = await fn();
        this.guard(() => this.db.exec('COMMIT'));
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
    const tail = next.catch(() => undefined);
    chains.set(this.file, tail);
    void tail.then(() => chains.get(this.file) === tail && chains.delete(this.file));
    return next;
  }

  /** The underlying handle, for the benchmark's bulk generator only. */
  get handle(): Database.Database {
    return this.db;
  }

  async close(): Promise<void> {
    await chains.get(this.file);
    this.db.close();
  }
}
