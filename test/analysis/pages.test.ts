import { describe, expect, it } from 'vitest';
import { comparePages, lengthsAgree, pageOf, type PageView } from '../../src/analysis/pages.js';
import type { HttpRequest } from '../../src/observations.js';

function request(body_length: number, truncated: boolean, headers: Record<string, string> = {}, failure: string | null = null): HttpRequest {
  return {
    request: { url: 'http://site.example/', method: 'GET', address: '198.18.9.1:80', host: 'site.example', headers: {} },
    response: { code: 200, headers, body_length, body_is_truncated: truncated, body: '', body_sha256: 'x', title: null },
    failure, t0: 0, t: 0.1, tags: ['direct'],
  };
}

const view = (body_length: number, lower = false): PageView => ({
  code: 200, title: null, body_length, body_sha256: null, headers: {}, url: 'http://site.example/', ...(lower ? { body_length_is_lower_bound: true } : {}),
});

describe('a page read only up to the cap', () => {
  it('is as long as its Content-Length says, or at least as long as what was read', () => {
    expect(pageOf(request(16384, true, { 'content-length': '71234' }))).toMatchObject({ body_length: 71234 });
    expect(pageOf(request(16384, true))).toMatchObject({ body_length: 16384, body_length_is_lower_bound: true });
    // Cut by a failure (a reset mid-body), not the cap: the bytes read, as before.
    expect(pageOf(request(900, true, { 'content-length': '71234' }, 'connection_reset'))).toMatchObject({ body_length: 900 });
    expect(pageOf(request(900, true, { 'content-length': '71234' }, 'connection_reset'))!.body_length_is_lower_bound).toBeUndefined();
    // A Content-Length below what was read is a lie: the bytes read stand.
    expect(pageOf(request(16384, true, { 'content-length': '10' }))).toMatchObject({ body_length: 16384, body_length_is_lower_bound: true });
  });

  it('agrees with the control\'s whole page of a similar length, never with a short blockpage', () => {
    expect(lengthsAgree(view(16384, true), view(70_000))).toBe(true);
    expect(lengthsAgree(view(70_000), view(16384, true))).toBe(true);
    expect(lengthsAgree(view(16384, true), view(12_000))).toBe(true);
    expect(lengthsAgree(view(16384, true), view(2_100))).toBe(false);
    expect(lengthsAgree(view(16384, true), view(16384, true))).toBe(true);
    expect(lengthsAgree(view(1000), view(2000))).toBe(false);
    expect(comparePages(view(16384, true), view(2100)).detail).toContain('16384+ vs 2100 bytes');
  });
});
