// `IP:PORT` with IPv6 in brackets, the key form OONI uses for endpoints: one formatter for the steps
// that write them and one parser for the analysis and reports that read them. Likewise the URL a
// request records.

export function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Splits `IP:PORT` and `[IPv6]:PORT`; an address without a port gives port 0. */
export function splitAddress(address: string): { ip: string; port: number } {
  const m = /^\[(.*)\]:(\d+)$/.exec(address) ?? /^(.*):(\d+)$/.exec(address);
  if (!m) return { ip: address, port: 0 };
  return { ip: m[1] ?? address, port: Number(m[2]) };
}

/**
 * The URL an HTTP request records (`HttpRequest.request.url`): the name as sent in Host (IPv6 in
 * brackets, the port when not the scheme's own) and the path. A fetch the plan left out is named
 * the same way.
 */
export function requestUrl(scheme: 'http' | 'https', host: string, port: number, path: string): string {
  return `${scheme}://${hostHeader(scheme, host, port)}${path}`;
}

/** The Host header for `host` on `port`: IPv6 in brackets, the port when not the scheme's own. */
export function hostHeader(scheme: 'http' | 'https', host: string, port: number): string {
  const name = host.includes(':') ? `[${host}]` : host;
  return port === (scheme === 'https' ? 443 : 80) ? name : `${name}:${port}`;
}
