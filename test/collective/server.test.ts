// The collective's control helper against a real PostgreSQL: each member has its own rate bucket
// (volunteers behind one address, as a carrier-grade NAT gives them, do not share), guessing tokens
// is throttled per address, and a revoked token is refused from the very next request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, testCollective, type TestCollective } from './fixtures.js';

let c: TestCollective;

// Three requests per bucket and no refill to speak of (one token per 1,000 s): counts are exact.
beforeAll(async () => {
  c = await testCollective({}, { rate: '0.001', burst: '3' });
}, 60_000);
afterAll(async () => c?.close());

/** A control request the helper refuses after the rate and the token (a body that is not JSON): no fetch leaves. */
const ask = (token: string | null) => api(c.url, 'POST', '/api/v1/control', token, 'not json', { 'content-type': 'application/json' });

describe('the collective control helper', () => {
  it("rates each member by its token: one member's spent bucket does not stop another behind the same address", async () => {
    const maria = await c.token('rate-maria');
    const nikos = await c.token('rate-nikos');
    for (let i = 0; i < 3; i++) expect((await ask(maria)).status).toBe(400);
    const spent = await ask(maria);
    expect(spent.status).toBe(429);
    expect(spent.body.error).toBe('too many requests');
    // Same loopback address, another token: its own full bucket.
    for (let i = 0; i < 3; i++) expect((await ask(nikos)).status).toBe(400);
    expect((await ask(nikos)).status).toBe(429);
    // A batch costs one per URL, from the member's bucket.
    const eleni = await c.token('rate-eleni');
    const batch = (n: number) => api(c.url, 'POST', '/api/v1/control/batch', eleni, JSON.stringify({ requests: Array.from({ length: n }, () => ({ url: 'http://127.0.0.1:9/', addrs: [] })) }), { 'content-type': 'application/json' });
    const big = await batch(4);
    expect(big.status).toBe(429);
  });

  it('throttles wrong tokens per address, before looking them up', async () => {
    // /health and requests without a valid token share the address's bucket (a fresh server: a fresh bucket).
    const d = await testCollective({}, { rate: '0.001', burst: '3' });
    try {
      const member = await d.token('behind-the-nat');
      const wrong = (t: string | null) => api(d.url, 'POST', '/api/v1/control', t, 'not json', { 'content-type': 'application/json' });
      expect((await wrong('cpt_guess1')).status).toBe(401);
      expect((await wrong(null)).status).toBe(401);
      expect((await wrong('cpt_guess2')).status).toBe(401);
      const stopped = await wrong('cpt_guess3');
      expect(stopped.status).toBe(429);
      expect(Number((await api(d.url, 'GET', '/health', null)).status)).toBe(429);
      // An address out of tokens is not asked about again: a valid token from it waits too.
      expect((await wrong(member)).status).toBe(429);
    } finally {
      await d.close();
    }
  });

  it('refuses a revoked token from the next request on (no cache in between)', async () => {
    const d = await testCollective({}, { rate: '100', burst: '1000' });
    try {
      const token = await d.token('leaked-laptop');
      // Accepted (and, had there been a cache, cached) right before the revocation.
      for (let i = 0; i < 5; i++) expect((await api(d.url, 'POST', '/api/v1/control', token, 'not json')).status).toBe(400);
      expect(await d.revoke('leaked-laptop')).toBe(true);
      const after = await api(d.url, 'POST', '/api/v1/control', token, 'not json');
      expect(after.status).toBe(401);
      expect(after.body.error).toMatch(/bearer token/);
      expect((await api(d.url, 'POST', '/api/v1/control/batch', token, JSON.stringify({ requests: [] }))).status).toBe(401);
      expect((await api(d.url, 'GET', '/api/v1/member', token)).status).toBe(401);
    } finally {
      await d.close();
    }
  });
});
