import { describe, expect, it } from 'vitest';
import { blockpageMemory } from '../../src/probe/blockpages.js';

describe('blockpage memory', () => {
  it('learns an address after agreeing fetches, then skips it but for periodic re-checks', () => {
    const m = blockpageMemory(2, 3);
    expect(m.skip('198.18.1.80')).toBe(false);
    m.observe('198.18.1.80', 'ote-eeep');
    expect(m.known()).toEqual({});
    m.observe('198.18.1.80', 'ote-eeep');
    expect(m.known()).toEqual({ '198.18.1.80': 'ote-eeep' });
    expect([m.skip('198.18.1.80'), m.skip('198.18.1.80'), m.skip('198.18.1.80')]).toEqual([true, true, false]);
  });

  it('forgets an address whose re-check no longer shows the blockpage', () => {
    const m = blockpageMemory(1, 10);
    m.observe('198.18.1.80', 'ote-eeep');
    m.observe('198.18.1.80', null);
    expect(m.known()).toEqual({});
    expect(m.skip('198.18.1.80')).toBe(false);
  });

  it('needs the same fingerprint each time', () => {
    const m = blockpageMemory(2, 10);
    m.observe('198.18.1.81', 'ote-eeep');
    m.observe('198.18.1.81', 'wind-eeep');
    expect(m.known()).toEqual({});
  });
});
