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

/** A leaf for `name` from the lab CA whose validity ended long ago (an expired certificate). */
export async function makeExpiredLeaf(ca: CertPair, label: string, name: string): Promise<CertPair> {
  // `openssl req` cannot date a certificate in the past; `openssl ca` can, with a tiny database.
  const dir = statePath('certs', `${label}-ca`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/index.txt`, '');
  writeFileSync(`${dir}/serial`, '1000\n');
  const cnf = `${dir}/ca.cnf`;
  writeFileSync(
    cnf,
    `[ca]\ndefault_ca = lab\n[lab]\ndatabase = ${dir}/index.txt\nnew_certs_dir = ${dir}\nserial = ${dir}/serial\ndefault_md = sha256\npolicy = any\ncopy_extensions = copy\nunique_subject = no\n[any]\ncommonName = supplied\n`,
  );
  const pair = { cert: statePath('certs', `${label}.crt`), key: statePath('certs', `${label}.key`) };
  const csr = `${dir}/leaf.csr`;
  await must('openssl', [
    'req', '-config', statePath('ca', 'req.cnf'), '-new', ...EC, '-subj', `/O=censorprobe lab/CN=${name}`,
    '-addext', `subjectAltName=DNS:${name}`, '-keyout', pair.key, '-out', csr,
  ]);
  await must('openssl', [
    'ca', '-batch', '-config', cnf, '-cert', ca.cert, '-keyfile', ca.key, '-in', csr, '-out', pair.cert, '-notext',
    '-startdate', '20250101000000Z', '-enddate', '20250201000000Z',
  ]);
  return pair;
}
