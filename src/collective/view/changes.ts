// The changes page's source: the history store's confirmed changes (src/history/changes.ts: a change
// counts once the new state held for --confirm consecutive runs of one ISP), newest first. Read
// through a store connection of its own (never the recorder's, which may be inside a recording),
// over each ISP's last runs, and kept until a new run is recorded: the page answers from memory.
import { setTimeout as sleep } from 'node:timers/promises';
import { historyChanges } from '../../history/changes.js';
import { HistoryReader } from '../../history/read.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import { isConnectionError } from '../db.js';
import type { ChangesSource, ViewChange } from './routes.js';

export interface StoreChanges {
  source: ChangesSource;
  close(): Promise<void>;
}

export function storeChanges(url: string, o: { confirm: number; lastRuns?: number }): StoreChanges {
  let store: Store | null = null;
  let cached: { key: string; list: ViewChange[] } | null = null;
  let chain: Promise<unknown> = Promise.resolve();

  async function compute(): Promise<ViewChange[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        store ??= await openStore(url);
        const key = JSON.stringify(await store.db.all('SELECT max(id) AS m, count(*) AS n FROM runs'));
        if (cached?.key === key) return cached.list;
        const h = await HistoryReader.open(store);
        const all = await historyChanges(h, { confirm: o.confirm, last: o.lastRuns ?? 60 });
        const list = all
          .filter((c) => c.confirmed)
          .map((c): ViewChange => ({ isp: c.isp, asn: c.asn, input: c.input, url: c.url, category: c.category, change: c.change, from: c.from, to: c.to, run: c.run, at: c.at, held: c.held }))
          .sort((a, b) => b.at.localeCompare(a.at) || a.isp.localeCompare(b.isp) || a.input.localeCompare(b.input));
        cached = { key, list };
        return list;
      } catch (err) {
        const cause = (err as { cause?: unknown }).cause ?? err;
        if (attempt >= 10 || !(isConnectionError(cause) || /cannot be reached|is closed/.test((err as Error).message))) throw err;
        await store?.close().catch(() => undefined);
        store = null;
        await sleep(300 * (attempt + 1));
      }
    }
  }

  return {
    source: (limit) => {
      const next = chain.then(compute).then((l) => l.slice(0, limit));
      chain = next.catch(() => undefined);
      return next;
    },
    close: async () => {
      await chain;
      await store?.close();
      store = null;
    },
  };
}
