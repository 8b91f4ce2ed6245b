// Where the store lives: `--store PATH` (SQLite) or `--store postgres://...`, else the volunteer's
// data folder ($XDG_DATA_HOME/censorprobe/history.sqlite, ~/.local/share/... when unset).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PostgresBackend } from './postgres.js';
import { SqliteBackend } from './sqlite.js';
import { Store } from './store.js';

export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(base, 'censorprobe', 'history.sqlite');
}

export const isPostgresUrl = (spec: string) => /^postgres(ql)?:\/\//i.test(spec);

/** Opens (and migrates) the store `spec` names, or the default one. */
export async function openStore(spec?: string | null, options: { upTo?: number } = {}): Promise<Store> {
  // An empty value (an unset CI secret) means the default.
  const where = spec || process.env.CENSORPROBE_STORE || defaultStorePath();
  const backend = isPostgresUrl(where) ? await PostgresBackend.connect(where) : new SqliteBackend(where);
  return Store.open(backend, options.upTo);
}
