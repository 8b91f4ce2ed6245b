// Who am I: the control helper sees the volunteer's public address. It is used only to name the
// ISP (offline ASN data) and is scrubbed from every line written.
import { askWhoami } from '../control/client.js';
import { identifyIsp, openAsnDb, type AsnDb, type AsnInfo, type IspMatch } from '../isp/index.js';
import { scrubber } from '../report/scrub.js';
import type { RunOptions } from './run-options.js';

export interface Identity {
  asnDb: AsnDb;
  /** The helper's answer; null without a helper. */
  whoami: Awaited<ReturnType<typeof askWhoami>> | null;
  publicIp: string | null;
  publicAs: AsnInfo | null;
  ispMatch: IspMatch | null;
  /** Removes the public address from any text written. */
  scrub: (text: string) => string;
}

export async function whoAmI(opts: RunOptions): Promise<Identity> {
  const asnDb = openAsnDb(opts.asnDb ? { asnDb: opts.asnDb } : {});
  const whoami = opts.control
    ? await askWhoami(opts.control, { guard: opts.guard, timeoutMs: 10_000, ...(opts.controlToken ? { token: opts.controlToken } : {}), ...(opts.ca ? { ca: opts.ca } : {}) })
    : null;
  const publicIp = whoami?.address ?? null;
  const publicAs = publicIp ? asnDb.lookup(publicIp) : null;
  const ispMatch = identifyIsp({ ...(publicIp ? { publicIp } : {}), asn: publicAs?.asn ?? null });
  const scrub = scrubber(publicIp ? [publicIp] : []);
  return { asnDb, whoami, publicIp, publicAs, ispMatch, scrub };
}
