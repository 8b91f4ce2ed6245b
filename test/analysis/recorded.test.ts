// The analysis re-judges observations recorded in the lab, with no network: every scenario kind,
// verdict and layer as the lab's ground truth says, and the same result the probe wrote.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import type { MeasurementRecord } from '../../src/record.js';

const dir = new URL('../fixtures/analysis/', import.meta.url);
const records = readFileSync(new URL('lab-run.jsonl', dir), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MeasurementRecord);
const truth = JSON.parse(readFileSync(new URL('lab-ground-truth.json', dir), 'utf8')) as {
  input: string;
  kind: string;
  verdict: string;
  layers: Record<string, string | null>;
}[];

describe('analysis of recorded lab observations', () => {
  it('covers every scenario of the ground truth', () => {
    expect(records.map((r) => r.input).sort()).toEqual(truth.map((t) => t.input).sort());
  });

  for (const t of truth) {
    it(`${t.kind}: ${t.input} → ${t.verdict}`, () => {
      const r = records.find((x) => x.input === t.input)!;
      const a = analyze({ target: r.target, test_keys: r.test_keys, context: r.context });
      const kinds = Object.fromEntries((['dns', 'ip', 'dpi', 'url'] as const).map((k) => [k, a.layers[k]?.kind ?? null]));
      expect({ verdict: a.verdict, layers: kinds }).toEqual({ verdict: t.verdict, layers: t.layers });
      expect(a.verdict).toBe(r.verdict);
      for (const layer of Object.values(a.layers)) if (layer) expect(layer.evidence.length).toBeGreaterThan(0);
    });
  }
});
