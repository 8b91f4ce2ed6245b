// The history store: one interface over both back ends. Opening migrates the schema forward;
// recording writes a whole run in one transaction (a reader never sees half a run), and recording
// the same run again (same run id, start and measurements hash) adds nothing.
import type { Backend, SqlValue } from './backend.js';
import { StoreError } from './errors.js';
import type { RecordResult, RunToRecord } from './run-record.js';
import { MIGRATIONS, SCHEMA_VERSION, SPANS_VERSION, VERSION_TABLE } from './schema.js';
import { addRunToSpans, removeRunFromSpans, type State } from './spans.js';

export interface StoredRun {
  id: number;
  run_id: string;
  started: number;
  ended: number | null;
  hash: string;
  isp: number;
  asn: number | null;
  isp_name: string | null;
  software_version: string | null;
  complete: boolean;
  entries: number;
}

const MEASUREMENT_COLUMNS = ['run', 'entry', 'verdict', 'dns', 'ip', 'dpi', 'url', 'isp_answer', 'truth', 'failure', 'control', 't', 'line'] as const;

export class Store {
  private constructor(readonly db: Backend) {}

  /** PostgreSQL stores at schema version 3 or later keep spans (src/store/spans.ts) in every recording's transaction. */
  private spans = false;

  get dialect() {
    return this.db.dialect;
  }

  get where() {
    return this.db.where;
  }

  /** Opens the store on `db`, migrating it to `upTo` (default: the latest version). */
  static async open(db: Backend, upTo = SCHEMA_VERSION): Promise<Store> {
    const store = new Store(db);
    try {
      await store.migrate(upTo);
      store.spans = db.dialect === 'postgres' && (await store.version()) >= SPANS_VERSION;
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
    return store;
  }

  async version(): Promise<number> {
    const rows = await this.db.all<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    return Number(rows[0]?.v ?? 0);
  }

  private async migrate(upTo: number): Promise<void> {
    // Cheap check first: a store already at the latest version needs no write lock (read-only stores open).
    let current = await this.version().catch(() => -1);
    if (current > SCHEMA_VERSION) {
      throw new StoreError(`the store ${this.where} has schema version ${current}, newer than this censorprobe knows (${SCHEMA_VERSION})`, { hint: 'update censorprobe' });
    }
    if (current >= upTo) return;
    await this.db.transaction('schema', async () => {
      await this.db.exec(VERSION_TABLE);
      current = await this.version();
      for (const m of MIGRATIONS) {
        if (m.version <= current || m.version > upTo) continue;
        await this.db.exec(m.sql(this.dialect));
        await this.db.run('INSERT INTO schema_migrations (version, what, applied_at) VALUES (?, ?, ?)', [m.version, m.what, new Date().toISOString()]);
      }
    });
  }

  /** Records a run, or replaces an earlier recording of it with different measurements (a resumed run). */
  async record(run: RunToRecord): Promise<RecordResult> {
    const db = this.db;
    const ispKey = `${run.isp.asn ?? ''}|${run.isp.name ?? ''}`;
    // A run is its id, its start and its ISP (two ISPs measured from one machine at the same second are two runs).
    return db.transaction(`run:${run.run_id}:${run.started}:${ispKey}`, async () => {
      const isp = (await db.ids('isps', 'key', new Map([[ispKey, { asn: run.isp.asn, name: run.isp.name }]]), { asn: 'int', name: 'text' })).get(ispKey)!;
      const existing = await db.all<{ id: number; hash: string }>('SELECT id, hash FROM runs WHERE run_id = ? AND started = ? AND isp = ?', [run.run_id, run.started, isp]);
      const old = existing[0];
      if (old && old.hash === run.hash) return { outcome: 'unchanged', id: Number(old.id), measurements: 0 };
      if (old) {
        if (this.spans) await removeRunFromSpans(db, { id: Number(old.id), started: run.started, isp });
        await this.deleteRun(Number(old.id));
      }

      const labelNames = new Map<string, Record<string, SqlValue>>();
      const entries = new Map<string, Record<string, SqlValue>>();
      const strings = new Map<string, Record<string, SqlValue>>();
      for (const m of run.measurements) {
        for (const l of [m.verdict, m.dns, m.ip, m.dpi, m.url_kind]) if (l) labelNames.set(l, {});
        if (!entries.has(m.key)) entries.set(m.key, { input: m.input, url: m.url, host: m.host, category: m.category });
        for (const s of [m.isp_answer, m.truth, m.failure]) if (s) strings.set(s, {});
      }
      for (const ip of run.ips) strings.set(ip.ip, {});
      const labels = await db.ids('labels', 'name', labelNames);
      const entryIds = await db.ids('entries', 'key', entries, { input: 'text', url: 'text', host: 'text', category: 'text' });
      const stringIds = await db.ids('strings', 'key', strings);
      const editionKeys = new Map(run.editions.map((e) => [`${e.list}|${e.sha256}`, { list: e.list, sha256: e.sha256, entries: e.entries, hashed: e.hashed } as Record<string, SqlValue>]));
      const editionIds = await db.ids('editions', 'key', editionKeys, { list: 'text', sha256: 'text', entries: 'int', hashed: 'text' });

      const inserted = await db.all<{ id: number }>(
        `INSERT INTO runs (run_id, started, ended, hash, isp, software_version, complete, entries, total_entries, latency_penalty, intercepted, facts, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [run.run_id, run.started, run.ended, run.hash, isp, run.software_version, run.complete ? 1 : 0, run.measurements.length, run.total_entries,
          run.latency_penalty, run.intercepted === null ? null : run.intercepted ? 1 : 0, JSON.stringify(run.facts), Math.floor(Date.now() / 1000)],
      );
      const id = Number(inserted[0]!.id);
      const label = (l: string | null) => (l ? labels.get(l)! : null);
      const str = (s: string | null) => (s ? stringIds.get(s)! : null);
      const rows = run.measurements.map((m) => [id, entryIds.get(m.key)!, label(m.verdict), label(m.dns), label(m.ip), label(m.dpi), label(m.url_kind), str(m.isp_answer), str(m.truth), str(m.failure), m.control, m.t, m.line]);
      // Entry order makes the clustered key's pages fill in order.
      rows.sort((a, b) => (a[1] as number) - (b[1] as number));
      await db.insertRows('measurements', MEASUREMENT_COLUMNS, rows, MEASUREMENT_COLUMNS.map(() => 'int'));
      if (this.spans) await addRunToSpans(db, { id, started: run.started, isp }, new Map(rows.map((r) => [r[1] as number, r.slice(2, 7) as unknown as State])));
      await db.insertRows('run_editions', ['run', 'edition'], [...editionIds.values()].map((e) => [id, e]), ['int', 'int']);
      const byList = new Map(run.editions.map((e) => [e.list, editionIds.get(`${e.list}|${e.sha256}`)!]));
      const entryEditions = new Map<string, SqlValue[]>();
      for (const m of run.measurements) {
        const ed = byList.get(m.list);
        if (ed !== undefined) entryEditions.set(`${ed}:${entryIds.get(m.key)}`, [ed, entryIds.get(m.key)!]);
      }
      await db.insertRows('entry_editions', ['edition', 'entry'], [...entryEditions.values()], ['int', 'int'], 'ignore');
      await db.insertRows('ip_states', ['run', 'role', 'ip', 'here', 'control', 'names'], run.ips.map((s) => [id, s.role, stringIds.get(s.ip)!, s.here, s.control, s.names]), ['int', 'int', 'int', 'int', 'int', 'int']);
      return { outcome: old ? 'replaced' : 'recorded', id, measurements: rows.length };
    });
  }

  private async deleteRun(id: number): Promise<void> {
    for (const t of ['measurements', 'ip_states', 'run_editions']) await this.db.run(`DELETE FROM ${t} WHERE run = ?`, [id]);
    await this.db.run('DELETE FROM runs WHERE id = ?', [id]);
  }

  /** Every run, oldest first. */
  async runs(): Promise<StoredRun[]> {
    const rows = await this.db.all<Record<string, unknown>>(
      `SELECT r.id, r.run_id, r.started, r.ended, r.hash, r.isp, i.asn, i.name AS isp_name, r.software_version, r.complete, r.entries
       FROM runs r JOIN isps i ON i.id = r.isp ORDER BY r.started, r.id`,
    );
    return rows.map((r) => ({
      id: Number(r.id), run_id: String(r.run_id), started: Number(r.started), ended: r.ended === null ? null : Number(r.ended), hash: String(r.hash),
      isp: Number(r.isp), asn: r.asn === null ? null : Number(r.asn), isp_name: (r.isp_name as string | null) ?? null,
      software_version: (r.software_version as string | null) ?? null, complete: Number(r.complete) === 1, entries: Number(r.entries),
    }));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
