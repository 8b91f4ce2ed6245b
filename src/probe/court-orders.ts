// Court-ordered IPs are tested in every run, whatever lists it was given: IP blocks outlive their
// purpose ("black holes"), and only a measurement on every run can show for how long.
import { fileURLToPath } from 'node:url';
import { entryKey, loadLists, type ListEntry } from '../lists/index.js';
import type { Guard } from '../net/guard.js';

/** The court-orders list shipped with the package. */
export const shippedCourtOrders = fileURLToPath(new URL('../../lists/court-orders.csv', import.meta.url));

/**
 * The IP-literal entries of the court-orders list that the run does not already measure, and the
 * ones the guard keeps out (listed, never contacted).
 */
export function courtOrderTargets(court: readonly ListEntry[], measured: readonly ListEntry[], guard: Guard): { add: ListEntry[]; refused: string[] } {
  const have = new Set(measured.map(entryKey));
  const add: ListEntry[] = [];
  const refused: string[] = [];
  for (const e of court) {
    if (!e.is_ip || have.has(entryKey(e))) continue;
    have.add(entryKey(e));
    if (guard.allows(e.host)) add.push(e);
    else refused.push(e.host);
  }
  return { add, refused };
}

export async function loadCourtOrders(file: string): Promise<ListEntry[]> {
  return (await loadLists([file])).entries;
}
