// Ctrl-C and SIGTERM stop a run cleanly: the entries under way finish and the summaries are written.
// A second signal within a second is the same stop (under `timeout`, CI runners and some terminals
// the process group gets the signal twice at once); one later than that quits at once.
import { EXIT } from '../errors.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface Stop {
  signal: AbortSignal;
  /** The first signal received, or null. */
  received(): StopSignal | null;
  dispose(): void;
}

export const SAME_STOP_MS = 1000;

export function stopOnSignals(o: { log?: (line: string) => void; exit?: (code: number) => void; now?: () => number } = {}): Stop {
  const log = o.log ?? ((l: string) => console.error(l));
  const exit = o.exit ?? ((code: number) => process.exit(code));
  const now = o.now ?? (() => Date.now());
  const ac = new AbortController();
  let first: { signal: StopSignal; at: number } | null = null;
  const on = (signal: StopSignal) => {
    if (first === null) {
      first = { signal, at: now() };
      log('\ncensorprobe: stopping: finishing the entries under way and writing the summaries (press Ctrl-C again after a second to quit at once, losing the summaries)');
      ac.abort();
      return;
    }
    if (now() - first.at < SAME_STOP_MS) return;
    log('censorprobe: quitting at once: the summaries are not written; `censorprobe run --resume DIR` finishes the run');
    exit(first.signal === 'SIGTERM' || signal === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint);
  };
  const onInt = () => on('SIGINT');
  const onTerm = () => on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: ac.signal,
    received: () => (first as { signal: StopSignal } | null)?.signal ?? null,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
