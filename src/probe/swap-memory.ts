// The swap test's innocuous request on an address says whether the address itself answers. Blocked
// names sit by the dozen on one CDN or hosting address, so a success is remembered for a few
// entries and seconds and handed to the next entries on that address (copies tagged `shared`)
// instead of a fresh connection per name. A failure is never reused: every entry that meets one
// measures for itself, since a failure is evidence. After `reuse` entries or `maxAgeMs` the address
// is measured again; the map holds at most `maxKeys` addresses, oldest dropped first.
import type { TestKeys } from '../observations.js';

export interface SwapResult {
  ok: boolean;
  /** The observations of the innocuous request (its TCP, TLS and HTTP steps). */
  keys: Pick<TestKeys, 'tcp_connect' | 'tls_handshakes' | 'requests'>;
}

export interface SwapMemory {
  innocuous(key: string, measure: () => Promise<SwapResult>): Promise<{ result: SwapResult; shared: boolean }>;
  /** Innocuous requests saved so far. */
  reused(): number;
}

interface Slot {
  result: Promise<SwapResult>;
  left: number;
  at: number;
}

export function swapMemory(o: { reuse?: number; maxAgeMs?: number; maxKeys?: number; now?: () => number } = {}): SwapMemory {
  const reuse = o.reuse ?? 50;
  const maxAgeMs = o.maxAgeMs ?? 20_000;
  const maxKeys = o.maxKeys ?? 2000;
  const now = o.now ?? Date.now;
  const slots = new Map<string, Slot>();
  let reused = 0;
  return {
    async innocuous(key, measure) {
      const slot = slots.get(key);
      if (slot && slot.left > 0 && now() - slot.at < maxAgeMs) {
        slot.left--;
        const r = await slot.result;
        if (r.ok) {
          reused++;
          return { result: r, shared: true };
        }
      }
      const result = measure();
      slots.delete(key);
      slots.set(key, { result, left: reuse, at: now() });
      if (slots.size > maxKeys) slots.delete(slots.keys().next().value as string);
      const r = await result.catch((err: unknown) => {
        if (slots.get(key)?.result === result) slots.delete(key);
        throw err;
      });
      if (!r.ok && slots.get(key)?.result === result) slots.delete(key);
      return { result: r, shared: false };
    },
    reused: () => reused,
  };
}
