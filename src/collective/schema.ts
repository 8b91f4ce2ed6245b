// The collective's own tables (tokens, upload sessions, which token sent which run), on their own
// forward-only migration track (table collective_schema), beside the history store's tables and
// versioned apart from them, so that neither track's numbering can collide with the other's.
// No table has a column for a client address: the server never stores one.
import type { Db } from './db.js';

export const COLLECTIVE_MIGRATIONS: readonly string[] = [
  // 1: members, uploads in progress (their chunks), and the runs each member sent.
  `CREATE TABLE collective_tokens (
     name text PRIMARY KEY,
     hash bytea NOT NULL UNIQUE,
     created_at timestamptz NOT NULL DEFAULT now(),
     revoked_at timestamptz,
     runs_per_day integer,
     bytes_per_day bigint
   );
   CREATE TABLE collective_uploads (
     id text PRIMARY KEY,
     token_name text NOT NULL REFERENCES collective_tokens(name),
     run_id text NOT NULL,
     size bigint NOT NULL,
     sha256 text NOT NULL,
     received bigint NOT NULL DEFAULT 0,
     created_at timestamptz NOT NULL DEFAULT now(),
     state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'stored', 'refused')),
     result jsonb
   );
   CREATE INDEX collective_uploads_token ON collective_uploads (token_name, created_at);
   CREATE TABLE collective_upload_chunks (
     upload_id text NOT NULL REFERENCES collective_uploads(id) ON DELETE CASCADE,
     at bigint NOT NULL,
     data bytea NOT NULL,
     PRIMARY KEY (upload_id, at)
   );
   CREATE TABLE collective_runs (
     run_id text PRIMARY KEY,
     token_name text NOT NULL REFERENCES collective_tokens(name),
     sha256 text NOT NULL,
     bytes bigint NOT NULL,
     records integer NOT NULL,
     unknown_lists jsonb NOT NULL DEFAULT '[]',
     stored_at timestamptz NOT NULL DEFAULT now()
   );
   CREATE INDEX collective_runs_token ON collective_runs (token_name, stored_at);`,
  // 2: a run is its sender's: two volunteers may name runs alike (run ids are start times), so a
  // run is keyed by token and run id, and the id it is recorded under in the store (store_run_id)
  // is the server's: the run id itself when free, else the run id with a suffix (docs/collective.md).
  `ALTER TABLE collective_runs ADD COLUMN store_run_id text;
   UPDATE collective_runs SET store_run_id = run_id;
   ALTER TABLE collective_runs ALTER COLUMN store_run_id SET NOT NULL;
   ALTER TABLE collective_runs DROP CONSTRAINT collective_runs_pkey;
   ALTER TABLE collective_runs ADD PRIMARY KEY (token_name, run_id);
   CREATE UNIQUE INDEX collective_runs_store_run ON collective_runs (store_run_id);`,
];

/** Brings the collective's tables to the latest version; safe when several servers start at once. */
export async function migrateCollective(db: Db): Promise<number> {
  return db.tx(async (q) => {
    // One migrator at a time (a transaction-scoped advisory lock, released at COMMIT).
    await q.query(`SELECT pg_advisory_xact_lock(hashtext('censorprobe collective schema'))`);
    await q.query('CREATE TABLE IF NOT EXISTS collective_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const rows = await q.query<{ v: number | null }>('SELECT max(version) AS v FROM collective_schema');
    const current = rows[0]?.v ?? 0;
    for (let v = current + 1; v <= COLLECTIVE_MIGRATIONS.length; v++) {
      await q.query(COLLECTIVE_MIGRATIONS[v - 1]!);
      await q.query('INSERT INTO collective_schema (version) VALUES ($1)', [v]);
    }
    return COLLECTIVE_MIGRATIONS.length;
  });
}
