// A website that answers after seconds (HTTP and HTTPS): slow, not censored.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';

export interface SlowSiteConfig {
  ip: string;
  host: string;
  delayMs: number;
  cert: string;
  key: string;
  html: string;
}

export async function startSlowSite(cfg: SlowSiteConfig): Promise<void> {
  const handler = (_req: http.IncomingMessage, res: http.ServerResponse) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', server: 'nginx' }).end(cfg.html);
    }, cfg.delayMs);
  };
  const servers: [http.Server, number][] = [
    [http.createServer(handler), 80],
    [https.createServer({ cert: readFileSync(cfg.cert), key: readFileSync(cfg.key) }, handler), 443],
  ];
  await Promise.all(
    servers.map(
      ([server, port]) =>
        new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, cfg.ip, () => resolve());
        }),
    ),
  );
}
