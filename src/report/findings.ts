// The lines a run (and `lab demo`) ends with: what was found, and where the reports are.
import { relative, isAbsolute, join } from 'node:path';

export interface FindingsInput {
  counts: Record<string, number>;
  latency_penalty?: number | null;
  dns_interception?: { detected: boolean; resolvers: string[] };
  isp?: { name?: string | null } | null;
}

// Censorship verdicts; `geoblock` (the site refuses the country) and `down` are not censorship.
const BLOCKED = ['dns', 'ip', 'dpi', 'url'] as const;
const ORDER = ['dns', 'ip', 'dpi', 'url', 'geoblock', 'down', 'inconclusive', 'ok'];

/** A path to show on the terminal: relative to the working folder when inside it. */
export function shownPath(p: string, cwd = process.cwd()): string {
  const rel = relative(cwd, p);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
}

export function findingsLines(r: FindingsInput, out: string, o: { htmlWritten?: boolean } = {}): string[] {
  const total = Object.values(r.counts).reduce((a, b) => a + b, 0);
  const blocked = BLOCKED.reduce((a, v) => a + (r.counts[v] ?? 0), 0);
  const keys = [...ORDER.filter((k) => k in r.counts), ...Object.keys(r.counts).filter((k) => !ORDER.includes(k))];
  const byVerdict = keys.map((k) => `${k} ${r.counts[k] ?? 0}`).join(', ');
  const isp = r.isp?.name ? ` by ${r.isp.name}` : '';
  const lines = [
    `findings: ${blocked} of ${total} entries blocked${isp} (${byVerdict})`,
    r.latency_penalty === null || r.latency_penalty === undefined
      ? '  latency penalty: not measured'
      : `  latency penalty: a lookup through a resolver abroad takes ${r.latency_penalty.toFixed(1)}x as long as through the ISP's`,
    r.dns_interception?.detected
      ? `  DNS interception: DETECTED: queries to resolvers abroad were answered by the ISP (${r.dns_interception.resolvers.join(', ')})`
      : '  DNS interception: none detected',
  ];
  if (o.htmlWritten !== false) lines.push(`report:  ${shownPath(join(out, 'report.html'))}`);
  lines.push(`summary: ${shownPath(join(out, 'summary.csv'))}`);
  return lines;
}
