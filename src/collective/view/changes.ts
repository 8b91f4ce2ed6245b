// The changes page's source: the history store's confirmed changes (src/history/changes.ts: a change
// counts once the new state held for --confirm consecutive runs of one ISP), newest first. Read
// through a store connection of its own (never the recorder's, which may be inside a recording),
// over each ISP's last runs, and kept until a new run is recorded: the page answers from memory.
// Computing the list over a year's store takes seconds (docs/performance.md), so it is computed
// ahead: when the server starts and whenever a run is stored (refresh()). A reader arriving while a
// newer list is being computed waits for it at most waitMs, then gets the list before the newest
// run(s); the next reader gets the new one. Only a reader before the very first list waits for it.
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import type { ChangesAnswer, ChangesJob } from './changes-worker.js';
import type { ChangesList, ChangesSource, ViewChange } from './routes.js';

export interface StoreChanges {
  source: ChangesSource;
  /** Computes the list again if a run was recorded since (in the background; errors are left for the next reader). */
  refresh(): void;
  close(): Promise<void>;
}

/** The worker's heap: the year's computation peaks near 150 MB (docs/performance.md). */
const WORKER_HEAP_MB = 256;
/** A computation past this is stopped (a year takes 15 to 30 s on a loaded 2-core machine). */
const WORKER_TIMEOUT_MS = 10 * 60_000;

/**
 * One computation in a worker thread. Built (dist/), the worker is changes-worker.js; from sources
 * (tsx, vitest) it is TypeScript, so a bootstrap registers tsx's loader in the worker first.
 */
function inWorker(job: ChangesJob, started: (w: Worker) => void): Promise<{ key: string; list: ViewChange[] }> {
  const fromSource = import.meta.url.endsWith('.ts');
  const file = new URL(`./changes-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  const options = { workerData: job, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } };
  const worker = fromSource
    ? // tsx resolved from the working directory, as `node --import tsx` itself resolves it.
      new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(file.href)}); })`, { ...options, eval: true })
    : new Worker(file, options);
  started(worker);
  return new Promise((resolve, reject) => {
    let answered = false;
    worker.once('message', (a: ChangesAnswer) => {
      answered = true;
      if ('error' in a) reject(new Error(`the changes list: ${a.error}`));
      else resolve(a);
      void worker.terminate();
    });
    worker.once('error', (err) => {
      answered = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the changes list's worker exited (${code}) without an answer`));
    });
  });
}

export function storeChanges(url: string, o: { confirm: number; lastRuns?: number; waitMs?: number }): StoreChanges {
  const waitMs = o.waitMs ?? 150;
  const lastRuns = o.lastRuns ?? 60;
  // One connection, opened once: a reader and the start-up computation asking at once must not
  // open two (the second would leak, and an open connection keeps the process from exiting).
  let storeP: Promise<Store> | null = null;
  const getStore = (): Promise<Store> =>
    (storeP ??= openStore(url).catch((err: unknown) => {
      storeP = null;
      throw err;
    }));
  const dropStore = async (): Promise<void> => {
    const p = storeP;
    storeP = null;
    await p?.then((s) => s.close()).catch(() => undefined);
  };
  let cached: { key: string; list: ViewChange[] } | null = null;
  let computing: Promise<ViewChange[]> | null = null;
  // The worker computing now: stopped when the server closes, or after WORKER_TIMEOUT_MS.
  let active: Worker | null = null;
  let closed = false;

  const cacheName = `changes confirm=${o.confirm} last=${lastRuns}`;

  /** The list a server computed before (this one, or one before a restart), whatever runs it was for. */
  async function saved(): Promise<{ key: string; list: ViewChange[] } | null> {
    try {
      const store = await getStore();
      const rows = await store.db.all<{ runs_key: string; body: unknown }>('SELECT runs_key, body FROM collective_view_cache WHERE name = ?', [cacheName]);
      const r = rows[0];
      if (!r) return null;
      const body = typeof r.body === 'string' ? (JSON.parse(r.body) as unknown) : r.body;
      return Array.isArray(body) ? { key: String(r.runs_key), list: body as ViewChange[] } : null;
    } catch {
      return null;
    }
  }

  async function compute(): Promise<ViewChange[]> {
    cached ??= await saved();
    const key = await runsKey();
    if (cached && key === cached.key) return cached.list;
    // Closed meanwhile: no worker started after close() (it would keep the process alive).
    if (closed) throw new Error('the changes list: the server is closing');
    let timer: NodeJS.Timeout | undefined;
    try {
      cached = await inWorker({ url, confirm: o.confirm, lastRuns }, (w) => {
        active = w;
        timer = setTimeout(() => void w.terminate(), WORKER_TIMEOUT_MS);
      });
    } finally {
      clearTimeout(timer);
      active = null;
    }
    try {
      const store = await getStore();
      await store.db.run(
        `INSERT INTO collective_view_cache (name, runs_key, body) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET runs_key = excluded.runs_key, body = excluded.body, computed_at = now()`,
        [cacheName, cached.key, JSON.stringify(cached.list)],
      );
    } catch {
      // Kept in memory all the same; saved again after the next computation.
    }
    return cached.list;
  }

  /** One computation at a time; a call while one runs joins it (it reads the runs as they are then). */
  function run(): Promise<ViewChange[]> {
    computing ??= compute().finally(() => {
      computing = null;
    });
    return computing;
  }

  async function runsKey(): Promise<string | null> {
    try {
      const store = await getStore();
      return JSON.stringify(await store.db.all('SELECT max(id) AS m, count(*) AS n FROM runs'));
    } catch {
      // Its connection lost (PostgreSQL restarted): a new one next time; the worker retries on its own.
      await dropStore();
      return null;
    }
  }

  return {
    source: async (limit) => {
      const ready = (list: ViewChange[]): ChangesList => ({ state: 'ready', changes: list.slice(0, limit), total: list.length, window: lastRuns });
      cached ??= await saved();
      if (!cached) {
        // No list was ever computed for this store: a minute over a year's runs. Not waited for
        // beyond waitMs: the page says it is being computed (503, Retry-After).
        const first = await Promise.race([run(), sleep(waitMs).then(() => null)]);
        return first ? ready(first) : { state: 'computing', changes: [], total: 0, window: lastRuns };
      }
      // Up to date (one tiny query to know): the list from memory.
      const key = await runsKey();
      if (key === cached.key) return ready(cached.list);
      const stale = cached.list;
      // A failed computation leaves the last list standing.
      const fresh = run().catch(() => stale);
      return ready(await Promise.race([fresh, sleep(waitMs).then(() => stale)]));
    },
    refresh: () => {
      run().catch(() => undefined);
    },
    close: async () => {
      // A list being computed is not waited for: its worker is stopped (the saved list stays).
      closed = true;
      await active?.terminate();
      await computing?.catch(() => undefined);
      await dropStore();
    },
  };
}
