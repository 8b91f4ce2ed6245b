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

/** One query on an already open TCP connection (the connection's handshake is not a reply time). */
async function tcpSamples(host: string, port: number, count: number): Promise<number[]> {
  const sock = net.connect(port, host);
  await new Promise((r, j) => { sock.once('connect', r); sock.once('error', j); });
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const q = query(i + 1);
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
    out.push(performance.now() - t);
  }
  sock.destroy();
  return out;
}

async function dohSamples(url: string, count: number): Promise<number[]> {
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
  await once(); // TLS handshake: not a reply time
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await once());
  agent.destroy();
  return out;
}

async function samples(spec: string): Promise<number[]> {
  const u = new URL(spec);
  new NetGuard([ONLY_NETS]).check(u.hostname, `latency probe ${spec}`);
  if (u.protocol === 'tcp:') return tcpSamples(u.hostname, Number(u.port), n);
  if (u.protocol === 'https:') return dohSamples(spec, n);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await udp(u.hostname, Number(u.port)));
  return out;
}

// Resolvers are timed side by side: each one's replies wait on its own timer, not on the others.
const all = await Promise.all(specs.map(samples));
console.log(JSON.stringify(Object.fromEntries(specs.map((s, i) => [s, all[i]]))));
