// The entries of a run: the lists' usable rows plus the court-ordered IPs, and the volunteer's
// consent to measure them.
import { UsageError } from '../errors.js';
import { loadLists, requireUsable, type ListEntry, type LoadedLists, type UsableLists } from '../lists/index.js';
import { courtOrderTargets, loadCourtOrders, shippedCourtOrders } from './court-orders.js';
import type { RunOptions } from './run-options.js';

export interface RunEntries {
  loaded: LoadedLists;
  usable: UsableLists;
  entries: ListEntry[];
}

export async function loadEntries(opts: RunOptions): Promise<RunEntries> {
  const loaded = await loadLists(opts.lists);
  const usable = requireUsable(loaded, { skipInvalid: opts.skipInvalid });
  const entries: ListEntry[] = [...usable.entries];
  if (usable.notice) console.error(`censorprobe: ${usable.notice}`);
  const courtFile = opts.courtOrders === undefined ? shippedCourtOrders : opts.courtOrders;
  if (courtFile) {
    const { add, refused } = courtOrderTargets(await loadCourtOrders(courtFile), entries, opts.guard);
    entries.push(...add);
    if (refused.length > 0) console.error(`censorprobe: ${refused.length} court-ordered IP(s) outside --only-nets not measured: ${refused.join(', ')}`);
  }
  return { loaded, usable, entries };
}

/** Asks opts.confirm, when given; a refusal stops the run before any packet is sent. */
export async function askConsent(opts: RunOptions, entries: ListEntry[]): Promise<void> {
  if (opts.confirm) {
    const perList = opts.lists.map((file) => ({ file, entries: entries.filter((e) => e.list === file).length }));
    const listed = new Set(opts.lists);
    const courtOrders = entries.filter((e) => !listed.has(e.list)).length;
    if (!(await opts.confirm({ lists: perList, total: entries.length, courtOrders, foreign: opts.foreign, control: opts.control }))) {
      throw new UsageError('nothing measured: consent was not given', { hint: 'read docs/volunteers.md; run again and answer yes, or pass --accept' });
    }
  }
}
