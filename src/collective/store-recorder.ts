// The RunRecorder over the history store's PostgreSQL back end: a folder read as `store import`
// reads one (runFromFolder: the same checks, the same identity) and recorded in one transaction.
// The store holds one connection; when PostgreSQL restarts under it, the store is opened again and
// the recording retried (recording is idempotent: the same run twice adds nothing).
import { setTimeout as sleep } from 'node:timers/promises';
import { runFromFolder } from '../store/from-folder.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { isConnectionError } from './db.js';
import type { RecordOutcome, RunRecorder } from './recorder.js';

const causeOf = (err: unknown): unknown => (err as { cause?: unknown })?.cause ?? err;

export async function storeRecorder(url: string, o: { retryForMs?: number; log?: (m: string) => void } = {}): Promise<RunRecorder> {
  const log = o.log ?? ((m: string) => console.error(m));
  const retryForMs = o.retryForMs ?? 30_000;
  let store: Store | null = await openStore(url);
  let chain: Promise<unknown> = Promise.resolve();

  async function withStore<T>(fn: (s: Store) => Promise<T>): Promise<T> {
    const until = Date.now() + retryForMs;
    for (let delay = 200; ; delay = Math.min(delay * 2, 2_000)) {
      try {
        store ??= await openStore(url);
        return await fn(store);
      } catch (err) {
        if (!isConnectionError(causeOf(err)) && !/cannot be reached|is closed/.test((err as Error).message)) throw err;
        if (Date.now() + delay > until) throw err;
        log('collective: the store lost its database connection; reconnecting');
        await store?.close().catch(() => undefined);
        store = null;
        await sleep(delay);
      }
    }
  }

  return {
    recordFolder: (dir: string): Promise<RecordOutcome> => {
      // One recording at a time on the store's single connection.
      const next = chain.then(async () => {
        const run = await runFromFolder(dir);
        const result = await withStore((s) => s.record(run));
        return { stored: result.outcome !== 'unchanged' };
      });
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
