// The lab's CA and certificates, made with openssl at every `up`. The CA key stays in the state dir.
import { mkdirSync, writeFileSync } from 'node:fs';
import pLimit from 'p-limit';
import { statePath } from './paths.js';
import { must } from './shell.js';

export interface CertPair {
  cert: string;
  key: string;
}

// A minimal config: Debian's default one adds CA:TRUE extensions to every `req -x509`.
const REQ_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
`;

function reqConfig(): string {
  const file = statePath('ca', 'req.cnf');
  writeFileSync(file, REQ_CONFIG);
  return file;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export async function makeCa(): Promise<CertPair> {
  mkdirSync(statePath('ca'), { recursive: true, mode: 0o700 });
  const pair = { cert: statePath('ca', 'ca.crt'), key: statePath('ca', 'ca.key') };
  await must('openssl', [
    'req', '-config', reqConfig(), '-x509', ...EC, '-days', '30', '-subj', '/O=censorprobe lab/CN=censorprobe lab CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', pair.key, '-out', pair.cert,
  ]);
  return pair;
}

/** A leaf certificate for DNS names and/or IPs, signed by the lab CA. */
export async function makeLeaf(ca: CertPair, label: string, names: readonly string[], ips: readonly string[] = []): Promise<CertPair> {
  mkdirSync(statePath('certs'), { recursive: true });
  const pair = { cert: statePath('certs', `${label}.crt`), key: statePath('certs', `${label}.key`) };
  const san = [...names.map((n) => `DNS:${n}`), ...ips.map((ip) => `IP:${ip}`)].join(',');
  await must('openssl', [
    'req', '-config', statePath('ca', 'req.cnf'), '-x509', ...EC, '-days', '30', '-CA', ca.cert, '-CAkey', ca.key,
    '-subj', `/O=censorprobe lab/CN=${names[0] ?? ips[0] ?? label}`,
    '-addext', `subjectAltName=${san}`, '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature', '-addext', 'extendedKeyUsage=serverAuth',
    '-keyout', pair.key, '-out', pair.cert,
  ]);
  return pair;
}

/** The blockpage server's certificate: self-signed, deliberately not from the lab CA. */
export async function makeSelfSigned(label: string, name: string, ip: string): Promise<CertPair> {
  mkdirSync(statePath('certs'), { recursive: true });
  const pair = { cert: statePath('certs', `${label}.crt`), key: statePath('certs', `${label}.key`) };
  await must('openssl', [
    'req', '-config', statePath('ca', 'req.cnf'), '-x509', ...EC, '-days', '30', '-subj', `/O=ISP/CN=${name}`,
    '-addext', `subjectAltName=DNS:${name},IP:${ip}`, '-keyout', pair.key, '-out', pair.cert,
  ]);
  return pair;
}

export async function makeLeaves(
  ca: CertPair,
  requests: readonly { label: string; names: string[]; ips?: string[] }[],
): Promise<Map<string, CertPair>> {
  const limit = pLimit(8);
  const pairs = await Promise.all(requests.map((r) => limit(() => makeLeaf(ca, r.label, r.names, r.ips ?? []))));
  return new Map(requests.map((r, i) => [r.label, pairs[i] as CertPair]));
}
