// Debian packages the lab runs (CI installs them; `lab up`/`lab demo` names the missing ones).
// Kept in step with .ci/debian-packages.txt by test/lab/packages.test.ts.
export const labPackages: readonly string[] = [
  'unbound', // ISP and foreign resolvers
  'python3-unbound', // unbound's python module: SERVFAIL and the ADDITIONAL-only (Cyta) answer
  'nginx-light', // websites, blockpage server
  'iptables', // the ISP's packet filter (string match for SNI/Host DPI)
  'dnsutils', // dig, for `lab verify`
  'iproute2', // ip netns, veth
  'openssl', // lab CA and certificates, handshake checks
  'curl', // `lab verify`
];

/** The executable each package provides that the lab calls, to detect a missing package. */
export const packageProbes: readonly { pkg: string; file: string }[] = [
  { pkg: 'unbound', file: '/usr/sbin/unbound' },
  { pkg: 'python3-unbound', file: '/usr/lib/python3/dist-packages/unboundmodule.py' },
  { pkg: 'nginx-light', file: '/usr/sbin/nginx' },
  { pkg: 'iptables', file: '/usr/sbin/iptables-restore' },
  { pkg: 'dnsutils', file: '/usr/bin/dig' },
  { pkg: 'iproute2', file: '/usr/sbin/ip' },
  { pkg: 'openssl', file: '/usr/bin/openssl' },
  { pkg: 'curl', file: '/usr/bin/curl' },
];
