// Recording run folders into the store: after `censorprobe run`, and by `censorprobe store import`.
// Each folder is read and checked before its transaction opens, so a refused folder costs nothing
// and the others are still recorded.
import { CensorprobeError } from '../errors.js';
import { RunRefusedError } from './errors.js';
import { runFromFolder } from './from-folder.js';
import type { RecordOutcome } from './run-record.js';
import type { Store } from './store.js';

export type FolderResult =
  | { dir: string; outcome: RecordOutcome; run_id: string; measurements: number }
  | { dir: string; outcome: 'refused'; reason: string };

export async function recordFolder(store: Store, dir: string, warn?: (m: string) => void): Promise<FolderResult> {
  let run;
  try {
    run = await runFromFolder(dir, warn ? { warn } : {});
  } catch (err) {
    if (err instanceof RunRefusedError) return { dir, outcome: 'refused', reason: `${err.message}${err.hint ? ` (${err.hint})` : ''}` };
    if (err instanceof CensorprobeError) return { dir, outcome: 'refused', reason: err.message };
    throw err;
  }
  const r = await store.record(run);
  return { dir, outcome: r.outcome, run_id: run.run_id, measurements: run.measurements.length };
}

/** The command that records a folder later, for messages. */
export function importHint(dir: string, storeSpec: string | null): string {
  const quoted = /^[\w./:@-]+$/.test(dir) ? dir : `'${dir.replace(/'/g, `'\\''`)}'`;
  return `censorprobe store import ${quoted}${storeSpec ? ` --store ${storeSpec.includes('://') ? "'<the same URL>'" : storeSpec}` : ''}`;
}
