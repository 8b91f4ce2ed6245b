// The collective a volunteer joined, in $XDG_CONFIG_HOME/censorprobe/collective.json (beside the
// consent record), readable by the user only: it holds their token.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { consentFile } from '../consent/store.js';

export interface JoinedCollective {
  url: string;
  token: string;
  joined_at: string;
  /** Version of the sharing text agreed to at join. */
  sharing_version: string;
}

export function collectiveFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(dirname(consentFile(env)), 'collective.json');
}

export async function loadCollective(env: NodeJS.ProcessEnv = process.env): Promise<JoinedCollective | null> {
  try {
    const v = JSON.parse(await readFile(collectiveFile(env), 'utf8')) as Partial<JoinedCollective>;
    return typeof v.url === 'string' && typeof v.token === 'string' ? (v as JoinedCollective) : null;
  } catch {
    return null;
  }
}

export async function saveCollective(c: JoinedCollective, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const path = collectiveFile(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
  return path;
}
