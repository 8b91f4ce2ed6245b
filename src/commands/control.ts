// `censorprobe control`: runs the control helper (normally on a server abroad) until interrupted.
import { getServers } from 'node:dns';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { NetGuard } from '../net/guard.js';
import { AddressPolicy } from '../control/policy.js';
import { CONTROL_SERVER_DEFAULTS } from '../control/protocol.js';
import type { ControlServer } from '../control/server.js';

export interface ControlCliOptions {
  listen: string;
  allowNets?: string;
  onlyNets?: string;
  token?: string;
  resolver?: string;
  rate?: string;
  burst?: string;
  budget?: string;
  ca?: string;
}

/** `HOST:PORT` or `[IPv6]:PORT`. */
export function parseListen(value: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(value);
  const m = bracketed ?? /^([^:[\]]+):(\d+)$/.exec(value);
  const host = m?.[1] ?? '';
  const port = Number(m?.[2]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535 || (bracketed && isIP(host) !== 6)) {
    throw new UsageError(`--listen: "${value}" is not HOST:PORT`, { hint: 'e.g. --listen 0.0.0.0:8080 or [::]:8080' });
  }
  return { host, port };
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name}: "${value}" is not a positive number`);
  return n;
}

/** Starts the helper from CLI options (also used by tests). */
export async function runControl(o: ControlCliOptions): Promise<ControlServer> {
  const { host, port } = parseListen(o.listen);
  const token = o.token ?? process.env.CENSORPROBE_CONTROL_TOKEN;
  if (token !== undefined && token.length < 8) {
    throw new UsageError('--token: use at least 8 characters', { hint: 'e.g. a random string from `openssl rand -hex 16`' });
  }
  // The helper's measuring code (HTTP client, resolvers) is loaded only when it starts.
  const { parseResolverAddress, resolverIp, systemOrServerResolver } = await import('../control/resolve.js');
  const { startControlServer } = await import('../control/server.js');
  const resolver = o.resolver === undefined ? undefined : parseResolverAddress(o.resolver);
  const guard = o.onlyNets === undefined ? undefined : NetGuard.parse(o.onlyNets);
  if (guard) {
    // DNS questions are packets too: the resolvers must be inside --only-nets as well.
    for (const server of resolver === undefined ? getServers() : [resolver]) {
      guard.check(resolverIp(server), 'control resolver');
    }
  }
  return startControlServer({
    host,
    port,
    policy: AddressPolicy.parse(o.allowNets ?? ''),
    resolver: systemOrServerResolver(resolver),
    ...(token !== undefined ? { token } : {}),
    rate: {
      perSecond: positive('--rate', o.rate, CONTROL_SERVER_DEFAULTS.rate.perSecond),
      burst: positive('--burst', o.burst, CONTROL_SERVER_DEFAULTS.rate.burst),
    },
    budgetMs: positive('--budget', o.budget, CONTROL_SERVER_DEFAULTS.budgetMs / 1000) * 1000,
    ...(guard ? { guard } : {}),
    ...(o.ca !== undefined ? { ca: readFileSync(o.ca, 'utf8') } : {}),
  });
}

export function registerControl(program: Command): void {
  program
    .command('control')
    .description('run the control helper: tells probes whether a site works from an uncensored place (docs/control.md)')
    .requiredOption('--listen <host:port>', 'address to listen on, e.g. 0.0.0.0:8080')
    .option('--allow-nets <cidrs>', 'networks contacted although private/reserved, e.g. 198.18.0.0/15 for the lab')
    .option('--only-nets <cidrs>', 'contact nothing outside these networks (safety guard for tests and the lab)')
    .option('--token <token>', 'require Authorization: Bearer <token> (or set CENSORPROBE_CONTROL_TOKEN)')
    .option('--resolver <ip[:port]>', "DNS server for the helper's own answers (default: the system's)")
    .option('--rate <n>', 'requests per second per client IP', String(CONTROL_SERVER_DEFAULTS.rate.perSecond))
    .option('--burst <n>', 'burst of requests per client IP', String(CONTROL_SERVER_DEFAULTS.rate.burst))
    .option('--budget <seconds>', 'time for one URL measurement', String(CONTROL_SERVER_DEFAULTS.budgetMs / 1000))
    .option('--ca <file>', 'extra CA certificates (PEM) trusted for TLS checks')
    .action(async (o: ControlCliOptions) => {
      const server = await runControl(o);
      console.log(`censorprobe control listening on ${server.url}`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          server.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
