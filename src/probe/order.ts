// The order entries are measured in. Lists come sorted (the regulator's is alphabetical) and names
// of one operator sit together and on one address: measured in list order, the hundreds of entries
// in flight would all wait on that address's per-IP limit while the rest of the line idles. A
// shuffle spreads them; it is seeded by the run's id, so a run's order is reproducible.

/** mulberry32: a small, fast seeded PRNG; plenty for ordering and test data (not for anything secret). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of the seed text. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A copy of `items` in a shuffled order (Fisher-Yates) determined by `seed`. */
export function spreadOrder<T>(items: readonly T[], seed: string): T[] {
  const out = [...items];
  const rnd = mulberry32(hash(seed));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
