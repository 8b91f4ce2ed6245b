// The changes list computed in a worker thread (started by changes.ts, one per computation): over a
// year's store it classifies millions of cells in JavaScript for seconds, with stretches of a second
// without yielding, which on the server's own thread would stall every page, upload and control
// request meanwhile (docs/performance.md). Opens its own store connection; answers {key, list} or
// {error}, then exits (its memory goes with it).
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { historyChanges } from '../../history/changes.js';
import { HistoryReader } from '../../history/read.js';
import { openStore } from '../../store/open.js';
import { isConnectionError } from '../db.js';
import type { ViewChange } from './routes.js';

export interface ChangesJob {
  url: string;
  confirm: number;
  lastRuns: number;
}

export type ChangesAnswer = { key: string; list: ViewChange[] } | { error: string };

async function compute(job: ChangesJob): Promise<{ key: string; list: ViewChange[] }> {
  for (let attempt = 0; ; attempt++) {
    const store = await openStore(job.url).catch((err: unknown) => err as Error);
    try {
      if (store instanceof Error) throw store;
      const key = JSON.stringify(await store.db.all('SELECT max(id) AS m, count(*) AS n FROM runs'));
      const h = await HistoryReader.open(store);
      const all = await historyChanges(h, { confirm: job.confirm, last: job.lastRuns });
      const list = all
        .filter((c) => c.confirmed)
        .map((c): ViewChange => ({ isp: c.isp, asn: c.asn, input: c.input, url: c.url, category: c.category, change: c.change, from: c.from, to: c.to, run: c.run, at: c.at, held: c.held }))
        .sort((a, b) => b.at.localeCompare(a.at) || a.isp.localeCompare(b.isp) || a.input.localeCompare(b.input));
      return { key, list };
    } catch (err) {
      // PostgreSQL restarting: try again a few times, as the server's own connections do.
      const cause = (err as { cause?: unknown }).cause ?? err;
      if (attempt >= 10 || !(isConnectionError(cause) || /cannot be reached|is closed/.test((err as Error).message))) throw err;
      await sleep(300 * (attempt + 1));
    } finally {
      if (!(store instanceof Error)) await store.close().catch(() => undefined);
    }
  }
}

if (parentPort) {
  const port = parentPort;
  compute(workerData as ChangesJob).then(
    (answer) => port.postMessage(answer satisfies ChangesAnswer),
    (err: unknown) => port.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies ChangesAnswer),
  );
}
