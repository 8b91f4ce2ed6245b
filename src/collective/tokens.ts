// Member tokens: 32 random bytes shown once, stored as their SHA-256 (a leaked table gives no
// usable token). Each token is named after a volunteer's handle or a machine, never an address.
import { createHash, randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';
import type { Db, Query } from './db.js';

export interface TokenInfo {
  name: string;
  created_at: string;
  revoked_at: string | null;
  runs_per_day: number | null;
  bytes_per_day: number | null;
  runs: number;
}

export const TOKEN_PREFIX = 'cpt_';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function checkTokenName(name: string): void {
  if (!NAME.test(name)) {
    throw new UsageError(`token name "${name}" is not allowed`, { hint: 'use 1 to 64 letters, digits, dots, dashes or underscores (a handle or a machine name, never an address)' });
  }
}

export async function addToken(db: Db, name: string, quotas: { runsPerDay?: number; bytesPerDay?: number } = {}): Promise<string> {
  checkTokenName(name);
  const token = newToken();
  const rows = await db.query(
    `INSERT INTO collective_tokens (name, hash, runs_per_day, bytes_per_day) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO NOTHING RETURNING name`,
    [name, hashToken(token), quotas.runsPerDay ?? null, quotas.bytesPerDay ?? null],
  );
  if (rows.length === 0) throw new UsageError(`a token named "${name}" exists already`, { hint: 'choose another name, or revoke it first if it leaked' });
  return token;
}

/** True when a live token was revoked now; false when no such token (or already revoked). */
export async function revokeToken(db: Db, name: string): Promise<boolean> {
  const rows = await db.query('UPDATE collective_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING name', [name]);
  return rows.length > 0;
}

export async function listTokens(db: Db): Promise<TokenInfo[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT t.name, t.created_at, t.revoked_at, t.runs_per_day, t.bytes_per_day,
            (SELECT count(*) FROM collective_runs r WHERE r.token_name = t.name) AS runs
       FROM collective_tokens t ORDER BY t.name`,
  );
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null ? null : String(v));
  return rows.map((r) => ({
    name: String(r.name),
    created_at: iso(r.created_at) ?? '',
    revoked_at: iso(r.revoked_at),
    runs_per_day: r.runs_per_day === null ? null : Number(r.runs_per_day),
    bytes_per_day: r.bytes_per_day === null ? null : Number(r.bytes_per_day),
    runs: Number(r.runs),
  }));
}

export interface Member {
  name: string;
  runs_per_day: number | null;
  bytes_per_day: number | null;
}

/** The live member a bearer token belongs to, or null (unknown or revoked). */
export async function memberOf(q: Query, token: string | null): Promise<Member | null> {
  if (token === null || token.length === 0 || token.length > 200) return null;
  const rows = await q.query<{ name: string; runs_per_day: number | null; bytes_per_day: string | null }>(
    'SELECT name, runs_per_day, bytes_per_day FROM collective_tokens WHERE hash = $1 AND revoked_at IS NULL',
    [hashToken(token)],
  );
  const r = rows[0];
  return r ? { name: r.name, runs_per_day: r.runs_per_day, bytes_per_day: r.bytes_per_day === null ? null : Number(r.bytes_per_day) } : null;
}
