import { describe, expect, it } from 'vitest';
import { UploadRefusedError } from '../../src/collective/errors.js';
import { addressFinder, checkHeader, checkRecord } from '../../src/collective/validate.js';
import { makeRecord, standardEntries } from '../report/runs.js';

function refusal(fn: () => unknown): { reason: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UploadRefusedError);
    return { reason: (err as UploadRefusedError).reason, message: (err as Error).message };
  }
  throw new Error('not refused');
}

const record = () => JSON.parse(JSON.stringify(makeRecord(standardEntries()[0]!, { i: 0, start: new Date('2026-11-20T10:00:00Z'), rand: () => 0.5, runId: 'r1' }))) as Record<string, unknown>;

describe('the address finder', () => {
  it('finds an IPv4 address as a whole, not inside another', () => {
    const f = addressFinder('1.2.3.4');
    expect(f('{"ip":"1.2.3.4"}')).toBe(true);
    expect(f('1.2.3.4')).toBe(true);
    expect(f('"1.2.3.4:443"')).toBe(true);
    expect(f('{"ip":"11.2.3.4"}')).toBe(false);
    expect(f('{"ip":"1.2.3.45"}')).toBe(false);
    expect(addressFinder('::ffff:1.2.3.4')('x 1.2.3.4 y')).toBe(true);
    expect(addressFinder('94.66.57.12')('"ppp-94-66-57-12.home.otenet.gr"')).toBe(true);
    expect(addressFinder('94.66.57.12')('"ppp-194-66-57-12.home.otenet.gr"')).toBe(false);
  });

  it('finds an IPv6 address compressed or written out, in any case', () => {
    const f = addressFinder('2a02:587:1::5');
    expect(f('"2A02:587:1::5"')).toBe(true);
    expect(f('"2a02:0587:0001:0000:0000:0000:0000:0005"')).toBe(true);
    expect(f('"2a02:587:1::50"')).toBe(false);
  });
});

describe('record checks', () => {
  it('accepts a record as the probe writes it and names its list', () => {
    expect(checkRecord(record(), 'r1', 2).list).toBeTypeOf('string');
  });

  it('refuses wrong types, an unknown verdict, another run id, a huge input', () => {
    const bad: Array<[(r: Record<string, unknown>) => void, string, RegExp]> = [
      [(r) => (r.verdict = 'blocked'), 'schema', /verdict/],
      [(r) => (r.run_id = 'r2'), 'run_id_mismatch', /run_id/],
      [(r) => (r.input = 'x'.repeat(5000)), 'schema', /input/],
      [(r) => (r.layers = { dns: { kind: 'nxdomain', evidence: [1] } }), 'schema', /layers.dns/],
      [(r) => (r.target = 'x'), 'schema', /target/],
      [(r) => (r.measurement_start_time = '2026-11-20T10:00:00Z; DROP TABLE runs'), 'schema', /measurement_start_time/],
      [(r) => (r.test_keys = []), 'schema', /test_keys/],
    ];
    for (const [mutate, reason, text] of bad) {
      const r = record();
      mutate(r);
      const got = refusal(() => checkRecord(r, 'r1', 7));
      expect(got.reason).toBe(reason);
      expect(got.message).toMatch(/^line 7: /);
      expect(got.message).toMatch(text);
    }
  });

  it('checks the header: format, version, run id', () => {
    expect(checkHeader({ format: 'censorprobe-run-upload', version: 1, run_id: 'r1', report: null }).run_id).toBe('r1');
    expect(refusal(() => checkHeader({ format: 'x' })).reason).toBe('schema');
    expect(refusal(() => checkHeader({ format: 'censorprobe-run-upload', version: 9, run_id: 'r1', report: null })).reason).toBe('version');
    expect(refusal(() => checkHeader({ format: 'censorprobe-run-upload', version: 1, run_id: "r1'; DROP TABLE runs; --", report: null })).reason).toBe('schema');
  });
});
