import { describe, expect, it } from 'vitest';
import { spreadOrder } from '../../src/probe/order.js';

describe('spreadOrder', () => {
  const list = Array.from({ length: 1000 }, (_, i) => i);

  it('is a permutation, the same for the same seed and another for another seed', () => {
    const a = spreadOrder(list, 'run-1');
    expect([...a].sort((x, y) => x - y)).toEqual(list);
    expect(spreadOrder(list, 'run-1')).toEqual(a);
    expect(spreadOrder(list, 'run-2')).not.toEqual(a);
    expect(a).not.toEqual(list);
    expect(list[0]).toBe(0);
  });

  it('spreads a cluster of 50 neighbours (one address) over the list', () => {
    // Entries 100..149 sit on one address: in any window of 256 consecutive measured entries, only a
    // few of them are in flight together, not all 50.
    const order = spreadOrder(list, 'run-1');
    const cluster = (i: number) => i >= 100 && i < 150;
    let worst = 0;
    for (let s = 0; s + 256 <= order.length; s++) worst = Math.max(worst, order.slice(s, s + 256).filter(cluster).length);
    expect(worst).toBeLessThan(30);
    expect(worst).toBeGreaterThan(5);
  });
});
