import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadLists } from '../../src/lists/index.js';
import { NetGuard, openGuard } from '../../src/net/guard.js';
import { courtOrderTargets, loadCourtOrders, shippedCourtOrders } from '../../src/probe/court-orders.js';

describe('court-ordered IPs in every run', () => {
  it('adds the shipped list\'s IP entries that a run does not measure yet', async () => {
    const court = await loadCourtOrders(shippedCourtOrders);
    const { add, refused } = courtOrderTargets(court, [], openGuard);
    expect(add.map((e) => e.host).sort()).toEqual(['194.71.107.15', '93.190.139.103']);
    expect(refused).toEqual([]);
    // Already in the run (the user passed the list): nothing added twice.
    expect(courtOrderTargets(court, court, openGuard).add).toEqual([]);
  });

  it('never contacts them outside --only-nets: they are listed as refused instead', async () => {
    const court = await loadCourtOrders(shippedCourtOrders);
    const { add, refused } = courtOrderTargets(court, [], NetGuard.parse('198.18.0.0/15'));
    expect(add).toEqual([]);
    expect(refused.sort()).toEqual(['194.71.107.15', '93.190.139.103']);
  });

  it('reads the shipped list from the package', async () => {
    const loaded = await loadLists([fileURLToPath(new URL('../../lists/court-orders.csv', import.meta.url))]);
    expect(loaded.problems).toEqual([]);
  });
});
