// The lab itself: up, every scenario proven with dig/curl/openssl, latencies as written, and a
// down that leaves nothing. Runs with the global setup's lab, or brings one up itself.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labStatus, labUp, labVerify, readEndpoints, readGroundTruth, type LabEndpoints } from '../../src/lab/index.js';
import { rootCpLinks, labNamespaces } from '../../src/lab/down.js';
import { isAlive, readPids } from '../../src/lab/processes.js';
import { run } from '../../src/lab/shell.js';
import { NS } from '../../src/lab/topology.js';
import { median } from '../../src/lab/endpoints.js';
import { measureLabLatency } from './latency.js';

let ownLab = false;
let e: LabEndpoints;

beforeAll(async () => {
  if (!(await labStatus()).up) {
    ownLab = true;
    await labUp({});
  }
  e = readEndpoints();
}, 60_000);

afterAll(async () => {
  if (ownLab) await labDown();
}, 60_000);

describe('the lab', () => {
  it('comes up in under 20 s and writes its endpoints', () => {
    expect(e.up_ms).toBeLessThan(20_000);
    expect(e.namespaces).toEqual({ client: 'cp-client', isp: 'cp-isp', world: 'cp-world' });
    expect(e.isp_resolver).toBe('198.18.1.53:53');
    expect(e.foreign).toContain('https://198.18.3.53/dns-query');
    expect(e.foreign).toContain('udp://198.18.3.54:53');
    for (const f of [e.ca_file, e.list, e.ground_truth]) expect(existsSync(f), f).toBe(true);
    const truth = readGroundTruth(e);
    const listRows = readFileSync(e.list, 'utf8').trim().split('\n').length - 1;
    expect(truth).toHaveLength(listRows);
    expect(new Set(truth.map((g) => g.verdict))).toEqual(new Set(['ok', 'dns', 'ip', 'dpi', 'url', 'geoblock', 'down', 'inconclusive']));
  });

  // Before verify: its ~300 concurrent dig/curl/openssl runs leave the machine busy for a while.
  it('has the latencies it wrote: abroad within 25 %, the ISP within 25 % or 1.5 ms', async () => {
    // The penalty is a ratio over a ~3 ms denominator, and on a loaded 2-CPU machine the ISP's reply
    // time moves by a millisecond between lab up's calibration and now. So each leg is checked on its
    // own: abroad within 25 %, the ISP within 25 % or 1.5 ms; the penalty then agrees as well as
    // they do.
    const written = e.latency;
    const escaping = e.foreign.filter((f) => !e.intercept || f.startsWith('https:'));
    const expForeign = median(escaping.map((f) => written.foreign_ms[f] ?? 0));
    const measure = async () => {
      const m = await measureLabLatency(e);
      const foreignError = Math.abs(m.foreign - expForeign) / expForeign;
      const ispOff = Math.abs(m.isp - written.isp_ms);
      const penaltyError = Math.abs(m.penalty - written.expected_penalty) / written.expected_penalty;
      return { ...m, foreignError, ispOff, penaltyError, agrees: foreignError < 0.25 && (ispOff / written.isp_ms < 0.25 || ispOff < 1.5) };
    };
    // Up to three measurements; the check passes when one agrees, as a probe's retry would.
    const tries = [];
    for (let i = 0; i < 3; i++) {
      const m = await measure();
      tries.push(m);
      if (m.agrees) break;
    }
    const best = tries.find((t) => t.agrees) ?? tries.reduce((a, b) => (b.penaltyError < a.penaltyError ? b : a));
    expect(best.foreign - best.isp).toBeGreaterThan(15);
    expect(best.slowGap).toBeGreaterThan(30);
    expect(best.agrees, JSON.stringify({ expected: written, tries })).toBe(true);
    // Both legs in range bound the penalty: here within about half of what was written.
    expect(best.penaltyError).toBeLessThan(0.5);
  }, 90_000);

  it('behaves as every scenario declares (lab verify)', async () => {
    const results = await labVerify();
    const failed = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.detail}`);
    expect(failed).toEqual([]);
    expect(results.length).toBeGreaterThan(200);
  }, 120_000);

  it('lab down leaves no namespace, veth or process behind, twice; lab up restores it', async () => {
    const pids = readPids().map((p) => p.pid);
    expect(pids.length).toBeGreaterThanOrEqual(6);
    await labDown();
    await labDown();
    expect(await labNamespaces()).toEqual([]);
    const netns = await run('ip', ['netns', 'list']);
    expect(netns.stdout).not.toMatch(/^cp-/m);
    expect(await rootCpLinks()).toEqual([]);
    expect(pids.filter(isAlive)).toEqual([]);
    for (const ns of Object.values(NS)) expect(existsSync(`/etc/netns/${ns}`), ns).toBe(false);
    expect((await labStatus()).up).toBe(false);
    // Other test files may still need the lab: bring it back as it was.
    e = await labUp({ intercept: e.intercept });
    expect((await labStatus()).up).toBe(true);
  }, 90_000);
});
