// Run inside cp-client: times N queries to each resolver spec and prints JSON {spec: [ms...]}.
// `lab up` calibrates the latencies with it, and the lab tests re-measure with it.
// Usage: latency-probe N CA_FILE SPEC...   (specs: udp://IP:PORT, tcp://IP:PORT, https://.../dns-query)
// A reply time excludes connection setup: TCP and DoH queries run on an already open connection.
import dgram from 'node:dgram';
import net from 'node:net';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import dnsPacket from 'dns-packet';
import { NetGuard } from '../../net/guard.js';
import { ONLY_NETS } from '../topology.js';

const [nArg, caFile, ...specs] = process.argv.slice(2);
const n = Number(nArg);
const ca = readFileSync(caFile ?? '');
const query = (id: number) => dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'neutral.lab' }] });

function udp(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = performance.now();
    const timer = setTimeout(() => { s.close(); reject(new Error('udp timeout')); }, 3000);
    s.on('message', () => { clearTimeout(timer); s.close(); resolve(performance.now() - t); });
    s.send(query(1), port, host);
  });
}

type Sampler = { once: () => Promise<number>; close: () => void };

/** An already open TCP connection (its handshake is not a reply time), one query at a time. */
async function tcpSampler(host: string, port: number): Promise<Sampler> {
  const sock = net.connect(port, host);
  await new Promise((r, j) => { sock.once('connect', r); sock.once('error', j); });
  let id = 0;
  const once = async () => {
    const q = query(++id);
    const framed = Buffer.concat([Buffer.from([q.length >> 8, q.length & 255]), q]);
    const t = performance.now();
    await new Promise<void>((resolve) => {
      let buf = Buffer.alloc(0);
      const on = (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { sock.off('data', on); resolve(); }
      };
      sock.on('data', on);
      sock.write(framed);
    });
    return performance.now() - t;
  };
  return { once, close: () => sock.destroy() };
}

/** A kept-alive DoH connection (its TLS handshake is not a reply time). */
async function dohSampler(url: string): Promise<Sampler> {
  const agent = new https.Agent({ keepAlive: true, ca, maxSockets: 1 });
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const t = performance.now();
      const req = https.request(`${url}?dns=${query(0).toString('base64url')}`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - t));
      });
      req.on('error', reject);
      req.end();
    });
  await once();
  return { once, close: () => agent.destroy() };
}

async function sampler(spec: string): Promise<Sampler> {
  const u = new URL(spec);
  new NetGuard([ONLY_NETS]).check(u.hostname, `latency probe ${spec}`);
  if (u.protocol === 'tcp:') return tcpSampler(u.hostname, Number(u.port));
  if (u.protocol === 'https:') return dohSampler(spec);
  return { once: () => udp(u.hostname, Number(u.port)), close: () => undefined };
}

// One query at a time, rounds interleaved across resolvers after a warm-up round: a burst of load
// on the machine (or the JIT warming up) then hits every resolver alike instead of the first one.
const samplers = [];
for (const spec of specs) samplers.push(await sampler(spec));
for (const s of samplers) await s.once();
const out: number[][] = specs.map(() => []);
for (let i = 0; i < n; i++) {
  for (let k = 0; k < samplers.length; k++) out[k]!.push(await samplers[k]!.once());
}
for (const s of samplers) s.close();
console.log(JSON.stringify(Object.fromEntries(specs.map((s, i) => [s, out[i]]))));
