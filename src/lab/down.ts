// Tearing the lab down: tracked PIDs (and any process still inside a lab namespace) stopped by
// PID, namespaces deleted by exact name, leftover cp* links removed. Safe to run twice.
import { existsSync, rmSync } from 'node:fs';
import { ALL_NS } from './topology.js';
import { files, netnsEtc } from './paths.js';
import { run } from './shell.js';
import { forgetPids, readPids, stopPids } from './processes.js';
import { LabDownError } from './errors.js';

export async function labNamespaces(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  const names = r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '');
  return names.filter((n) => ALL_NS.includes(n));
}

/** veths named cp* in the root namespace (there should be none: veths are made inside the lab). */
export async function rootCpLinks(): Promise<string[]> {
  const r = await run('ip', ['-o', 'link', 'show', 'type', 'veth']);
  return r.stdout
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '')
    .filter((n) => n.startsWith('cp'));
}

async function pidsInNamespaces(namespaces: readonly string[]): Promise<number[]> {
  const out: number[] = [];
  for (const ns of namespaces) {
    const r = await run('ip', ['netns', 'pids', ns]);
    for (const line of r.stdout.split('\n')) if (/^\d+$/.test(line.trim())) out.push(Number(line.trim()));
  }
  return out;
}

export async function labDown(): Promise<void> {
  const namespaces = await labNamespaces();
  const pids = [...new Set([...readPids().map((p) => p.pid), ...(await pidsInNamespaces(namespaces))])];
  const stuck = await stopPids(pids);
  if (stuck.length) throw new LabDownError(`lab processes did not stop: ${stuck.join(', ')}`);
  forgetPids();
  for (const ns of namespaces) {
    const r = await run('ip', ['netns', 'del', ns]);
    if (r.code !== 0) throw new LabDownError(`cannot delete namespace ${ns}: ${r.stderr.trim()}`);
  }
  for (const link of await rootCpLinks()) await run('ip', ['link', 'del', link]);
  for (const ns of ALL_NS) rmSync(netnsEtc(ns), { recursive: true, force: true });
  if (existsSync(files.endpoints())) rmSync(files.endpoints());
}
