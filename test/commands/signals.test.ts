// A stop by signal: the first Ctrl-C or SIGTERM aborts the run cleanly; a second one within a
// second is the same stop (`timeout` and CI runners deliver two at once); a later one quits at once
// with the code of the signal.
import { afterEach, describe, expect, it } from 'vitest';
import { SAME_STOP_MS, stopOnSignals, type Stop } from '../../src/commands/signals.js';

let stop: Stop | null = null;
afterEach(() => stop?.dispose());

function harness() {
  let t = 1_000;
  const exits: number[] = [];
  const lines: string[] = [];
  stop = stopOnSignals({ log: (l) => lines.push(l), exit: (c) => exits.push(c), now: () => t });
  return { stop, exits, lines, advance: (ms: number) => (t += ms) };
}

describe('stopOnSignals', () => {
  it('SIGTERM aborts the run and is remembered, so the run exits 143 after its summaries', () => {
    const h = harness();
    process.emit('SIGTERM', 'SIGTERM');
    expect(h.stop.signal.aborted).toBe(true);
    expect(h.stop.received()).toBe('SIGTERM');
    expect(h.exits).toEqual([]);
    expect(h.lines.join('\n')).toContain('writing the summaries');
  });

  it('a second signal within a second is the same stop, a later one quits at once', () => {
    const h = harness();
    process.emit('SIGINT', 'SIGINT');
    h.advance(SAME_STOP_MS - 1);
    process.emit('SIGINT', 'SIGINT');
    expect(h.exits).toEqual([]);
    expect(h.stop.received()).toBe('SIGINT');
    h.advance(2);
    process.emit('SIGINT', 'SIGINT');
    expect(h.exits).toEqual([130]);
  });

  it('quits at once with 143 when the stop began with SIGTERM', () => {
    const h = harness();
    process.emit('SIGTERM', 'SIGTERM');
    h.advance(5_000);
    process.emit('SIGINT', 'SIGINT');
    expect(h.exits).toEqual([143]);
  });

  it('leaves no handler behind once disposed', () => {
    const before = process.listenerCount('SIGTERM');
    const s = stopOnSignals({ log: () => undefined, exit: () => undefined });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    s.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
