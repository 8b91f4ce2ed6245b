// `lab status`: which namespaces and tracked processes exist, and whether the control helper runs.
import { existsSync } from 'node:fs';
import { ALL_NS } from './topology.js';
import { files } from './paths.js';
import { labNamespaces } from './down.js';
import { isAlive, readPids } from './processes.js';

export interface LabStatus {
  up: boolean;
  namespaces: { name: string; present: boolean }[];
  processes: { name: string; ns: string; pid: number; alive: boolean }[];
  control: 'running' | 'not started' | 'stopped';
  endpoints: string | null;
}

export async function labStatus(): Promise<LabStatus> {
  const present = await labNamespaces();
  const processes = readPids().map((p) => ({ name: p.name, ns: p.ns, pid: p.pid, alive: isAlive(p.pid) }));
  const control = processes.find((p) => p.name === 'control');
  const namespaces = ALL_NS.map((name) => ({ name, present: present.includes(name) }));
  return {
    up: namespaces.every((n) => n.present) && processes.length > 0 && processes.every((p) => p.alive) && existsSync(files.endpoints()),
    namespaces,
    processes,
    control: control === undefined ? 'not started' : control.alive ? 'running' : 'stopped',
    endpoints: existsSync(files.endpoints()) ? files.endpoints() : null,
  };
}
