// The lab's client link shaped like a 24/1 Mbit ADSL line with tc tbf (the kernel has no netem):
// 1 Mbit/s on the client's egress (upload), 24 Mbit/s on the ISP's egress towards it (download).
import { LINK } from '../src/lab/topology.js';
import { must, run } from '../src/lab/shell.js';

export const ADSL = { downMbit: 24, upMbit: 1 } as const;

interface Namespaces {
  client: string;
  isp: string;
}

export async function shapeAdsl(ns: Namespaces): Promise<void> {
  // A modem-sized queue (300 ms): an ADSL uplink buffers rather than drops, and so does this one.
  await must('ip', ['netns', 'exec', ns.client, 'tc', 'qdisc', 'replace', 'dev', LINK.client, 'root', 'tbf', 'rate', `${ADSL.upMbit}mbit`, 'burst', '8kb', 'latency', '300ms']);
  await must('ip', ['netns', 'exec', ns.isp, 'tc', 'qdisc', 'replace', 'dev', LINK.ispClient, 'root', 'tbf', 'rate', `${ADSL.downMbit}mbit`, 'burst', '32kb', 'latency', '300ms']);
}

/** Removes the shaping; safe when none is set or the lab is already down. */
export async function unshape(ns: Namespaces): Promise<void> {
  await run('ip', ['netns', 'exec', ns.client, 'tc', 'qdisc', 'del', 'dev', LINK.client, 'root']);
  await run('ip', ['netns', 'exec', ns.isp, 'tc', 'qdisc', 'del', 'dev', LINK.ispClient, 'root']);
}

/** The qdisc lines of both links (printed so the reader sees the shaping was in force). */
export async function describeShaping(ns: Namespaces): Promise<string> {
  const a = await run('ip', ['netns', 'exec', ns.client, 'tc', 'qdisc', 'show', 'dev', LINK.client]);
  const b = await run('ip', ['netns', 'exec', ns.isp, 'tc', 'qdisc', 'show', 'dev', LINK.ispClient]);
  return `${a.stdout.trim()} | ${b.stdout.trim()}`;
}
