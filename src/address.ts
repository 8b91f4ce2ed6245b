// `IP:PORT` with IPv6 in brackets, the key form OONI uses for endpoints: one formatter for the steps
// that write them and one parser for the analysis and reports that read them.

export function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Splits `IP:PORT` and `[IPv6]:PORT`; an address without a port gives port 0. */
export function splitAddress(address: string): { ip: string; port: number } {
  const m = /^\[(.*)\]:(\d+)$/.exec(address) ?? /^(.*):(\d+)$/.exec(address);
  if (!m) return { ip: address, port: 0 };
  return { ip: m[1] ?? address, port: Number(m[2]) };
}
