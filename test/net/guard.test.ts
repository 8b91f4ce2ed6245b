import { describe, expect, it } from 'vitest';
import { GuardError, UsageError } from '../../src/errors.js';
import { NetGuard } from '../../src/net/guard.js';

describe('NetGuard', () => {
  const guard = NetGuard.parse('198.18.0.0/15, 127.0.0.0/8,::1/128');

  it('allows addresses inside the listed networks, v4 and v6', () => {
    expect(guard.allows('198.18.3.53')).toBe(true);
    expect(guard.allows('198.19.255.255')).toBe(true);
    expect(guard.allows('127.0.0.1')).toBe(true);
    expect(guard.allows('::1')).toBe(true);
  });

  it('refuses everything else, and names, with a GuardError that names the step', () => {
    for (const ip of ['198.20.0.1', '1.1.1.1', '10.0.0.1', '2001:db8::1', 'example.com', '']) expect(guard.allows(ip)).toBe(false);
    expect(() => guard.check('9.9.9.9', 'resolver udp://9.9.9.9')).toThrow(GuardError);
    try {
      guard.check('9.9.9.9', 'resolver udp://9.9.9.9');
    } catch (err) {
      expect((err as GuardError).code).toBe('CP_GUARD');
      expect((err as Error).message).toContain('resolver udp://9.9.9.9');
    }
  });

  it('rejects malformed networks as usage errors', () => {
    for (const bad of ['198.18.0.0/33', 'x/8', '1.2.3.4/8/9', '::1/129']) expect(() => NetGuard.parse(bad)).toThrow(UsageError);
  });
});
