// What the store needs from a database: a handful of primitives that both back ends implement the
// way that is fast for them (prepared statements in one SQLite transaction; unnest() arrays and COPY
// in PostgreSQL). SQL is written once with `?` placeholders; the PostgreSQL back end numbers them.

export type Dialect = 'sqlite' | 'postgres';
export type SqlValue = string | number | null;

export interface Backend {
  readonly dialect: Dialect;
  /** The file, or the URL without its password: never a secret. */
  readonly where: string;
  /** DDL or several statements at once, no parameters. */
  exec(sql: string): Promise<void>;
  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Rows as arrays of values in column order: cheaper for the big scans. */
  rows(sql: string, params?: readonly SqlValue[]): Promise<unknown[][]>;
  /** Rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /**
   * Dictionary rows by their unique `key` column: inserts those missing (never updates) and returns
   * every key's id. Keys are inserted in sorted order so that concurrent writers cannot deadlock.
   */
  ids(table: string, key: string, rows: ReadonlyMap<string, Record<string, SqlValue>>, types?: Readonly<Record<string, ColumnType>>): Promise<Map<string, number>>;
  /** Many rows at once into `table`. */
  insertRows(table: string, columns: readonly string[], rows: readonly SqlValue[][], types: readonly ColumnType[], onConflict?: 'ignore'): Promise<void>;
  /**
   * One write transaction; `lock` serialises writers that touch the same thing (a run's identity, the
   * schema) across processes. Nothing of `fn`'s writes is visible unless it returns.
   */
  transaction<T>(lock: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type ColumnType = 'int' | 'text' | 'real';
