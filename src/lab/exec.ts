// Running a command as the volunteer would: inside cp-client, with the lab's resolver (via
// /etc/netns/cp-client/resolv.conf) and the lab CA trusted by Node, curl and openssl.
import { readEndpoints } from './endpoints.js';
import { NS } from './topology.js';

export interface SpawnArgs {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export function inClient(cmd: readonly string[], opts: { env?: NodeJS.ProcessEnv; caFile?: string } = {}): SpawnArgs {
  const ca = opts.caFile ?? readEndpoints().ca_file;
  return {
    command: 'ip',
    args: ['netns', 'exec', NS.client, ...cmd],
    env: { ...process.env, ...opts.env, NODE_EXTRA_CA_CERTS: ca, CURL_CA_BUNDLE: ca, SSL_CERT_FILE: ca },
  };
}
