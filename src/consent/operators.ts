// Who runs the public resolvers a run may ask abroad, by address: the consent names them, since each
// sees every name checked and the volunteer's address. Sources: each operator's own pages
// (developers.cloudflare.com/1.1.1.1, quad9.net, developers.google.com/speed/public-dns).
const OPERATORS: Record<string, string> = {
  '1.1.1.1': 'Cloudflare',
  '1.0.0.1': 'Cloudflare',
  '2606:4700:4700::1111': 'Cloudflare',
  '2606:4700:4700::1001': 'Cloudflare',
  'cloudflare-dns.com': 'Cloudflare',
  '9.9.9.9': 'Quad9',
  '149.112.112.112': 'Quad9',
  '2620:fe::fe': 'Quad9',
  'dns.quad9.net': 'Quad9',
  '8.8.8.8': 'Google',
  '8.8.4.4': 'Google',
  '2001:4860:4860::8888': 'Google',
  '2001:4860:4860::8844': 'Google',
  'dns.google': 'Google',
};

/** The host of a resolver spec (`udp://IP:53`, `https://HOST/dns-query`, `tcp://[v6]:53`). */
export function resolverHost(spec: string): string {
  const m = /^[a-z]+:\/\/(\[[^\]]+\]|[^/:]+)/i.exec(spec);
  return (m?.[1] ?? spec).replace(/^\[|\]$/g, '').toLowerCase();
}

/** "Cloudflare (1.1.1.1)" or, for a resolver not in the table, its address alone. */
export function operatorOf(spec: string): { host: string; operator: string | null } {
  const host = resolverHost(spec);
  return { host, operator: OPERATORS[host] ?? null };
}

/** The resolvers of a run grouped by operator: "Cloudflare: 1.1.1.1 (DoH, UDP)". */
export function resolverLines(specs: readonly string[], unknown: string): string[] {
  const groups = new Map<string, Map<string, Set<string>>>();
  for (const spec of specs) {
    const { host, operator } = operatorOf(spec);
    const transport = spec.startsWith('https:') ? 'DoH' : spec.startsWith('tcp:') ? 'TCP' : 'UDP';
    const byHost = groups.get(operator ?? unknown) ?? new Map<string, Set<string>>();
    byHost.set(host, (byHost.get(host) ?? new Set()).add(transport));
    groups.set(operator ?? unknown, byHost);
  }
  return [...groups].map(([op, hosts]) => `${op}: ${[...hosts].map(([h, t]) => `${h} (${[...t].join(', ')})`).join('; ')}`);
}
