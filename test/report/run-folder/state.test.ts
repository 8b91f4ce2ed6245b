import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { LATENCY_FILE, loadIdleRounds, loadSettings, saveIdleRounds, saveSettings, SETTINGS_FILE, type RunSettings } from '../../../src/report/run-folder/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'cp-state-'));

describe('run state', () => {
  it('saves the settings for --resume and reads them back', () => {
    const dir = tmp();
    const s: RunSettings = {
      lists: ['a.csv'], skipInvalid: false, ispResolver: 'udp://198.18.1.53:53', foreign: ['udp://198.18.3.54:53'], control: null,
      concurrency: 4, perIp: 2, timeoutMs: 8000, onlyNets: ['198.18.0.0/15'], innocuousName: 'example.org', neutralIp: null, started: '2026-12-07T00:00:00.000Z',
    };
    saveSettings(dir, s);
    expect(loadSettings(dir)).toEqual(s);
  });

  it('refuses to resume a folder that is not a run, and names an unreadable run.json', () => {
    const dir = tmp();
    expect(() => loadSettings(dir)).toThrow(UsageError);
    writeFileSync(join(dir, SETTINGS_FILE), '{"lists":');
    expect(() => loadSettings(dir)).toThrow(/run\.json: unreadable run settings/);
  });

  it('keeps the idle-line round trips across a resume', () => {
    const dir = tmp();
    expect(loadIdleRounds(dir)).toEqual({});
    saveIdleRounds(dir, { idle_before: { 'udp|198.18.1.53:53': [1.5, 2] } });
    expect(loadIdleRounds(dir)).toEqual({ idle_before: { 'udp|198.18.1.53:53': [1.5, 2] } });
    writeFileSync(join(dir, LATENCY_FILE), 'nonsense');
    expect(() => loadIdleRounds(dir)).toThrow(/latency\.json: unreadable/);
  });
});
