// Consent is remembered per user in $XDG_CONFIG_HOME/censorprobe/consent.json (~/.config when
// unset), keyed by the version of the wording.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { CONSENT_VERSION } from './text.js';

export interface ConsentRecord {
  accepted_at: string;
  via: 'interactive' | '--accept';
}

interface ConsentFile {
  versions: Record<string, ConsentRecord>;
}

export function consentFile(env: NodeJS.ProcessEnv = process.env): string {
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg !== undefined && xdg !== '' && isAbsolute(xdg) ? xdg : join(env['HOME'] ?? homedir(), '.config');
  return join(base, 'censorprobe', 'consent.json');
}

async function load(file: string): Promise<ConsentFile> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as Partial<ConsentFile>;
    return { versions: typeof data.versions === 'object' && data.versions !== null ? data.versions : {} };
  } catch {
    return { versions: {} }; // missing or unreadable: ask again rather than assume
  }
}

export async function hasConsented(options: { version?: string; env?: NodeJS.ProcessEnv } = {}): Promise<boolean> {
  const file = await load(consentFile(options.env));
  return file.versions[options.version ?? CONSENT_VERSION] !== undefined;
}

export async function recordConsent(via: ConsentRecord['via'], options: { version?: string; env?: NodeJS.ProcessEnv; now?: Date } = {}): Promise<string> {
  const path = consentFile(options.env);
  const file = await load(path);
  file.versions[options.version ?? CONSENT_VERSION] = { accepted_at: (options.now ?? new Date()).toISOString(), via };
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
  return path;
}
