import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { UsageError } from '../../src/errors.js';
import { parseListen, registerControl, runControl } from '../../src/commands/control.js';
import { parseResolverAddress, resolverIp } from '../../src/control/resolve.js';
import { GuardError } from '../../src/errors.js';
import { askControl } from '../../src/control/client.js';
import { recordingGuard, startDns } from './fixtures.js';

describe('control command', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  it('parses --listen and --resolver forms', () => {
    expect(parseListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('[::]:80')).toEqual({ host: '::', port: 80 });
    expect(parseListen('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    for (const bad of ['8080', '127.0.0.1', '::1:80', '1.2.3.4:99999', '[nope]:80']) {
      expect(() => parseListen(bad), bad).toThrow(UsageError);
    }
    expect(parseResolverAddress('127.0.0.1')).toBe('127.0.0.1:53');
    expect(parseResolverAddress('127.0.0.1:5353')).toBe('127.0.0.1:5353');
    expect(parseResolverAddress('::1')).toBe('[::1]:53');
    expect(parseResolverAddress('[::1]:5353')).toBe('[::1]:5353');
    expect(() => parseResolverAddress('dns.example:53')).toThrow(UsageError);
    expect(['1.2.3.4', '1.2.3.4:53', '::1', '[::1]:53', '2001:db8::1'].map(resolverIp)).toEqual(['1.2.3.4', '1.2.3.4', '::1', '::1', '2001:db8::1']);
  });

  it('runs the helper from CLI options', async () => {
    const dns = await startDns({ 'self.test': { A: ['127.0.0.1'] } });
    closers.push(() => dns.close());
    const server = await runControl({ listen: '127.0.0.1:0', allowNets: '127.0.0.0/8', resolver: dns.address, token: 'long-enough-token' });
    closers.push(() => server.close());
    const health = await request(`${server.url}/health`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    const port = server.address.port;
    const answer = await askControl(
      server.url,
      { url: `http://self.test:${port}/health`, addrs: [] },
      { guard: recordingGuard(), timeoutMs: 10_000, token: 'long-enough-token' },
    );
    expect(answer.failure).toBeNull();
    // The helper fetched its own /health: 127.0.0.0/8 was re-allowed by --allow-nets.
    expect(answer.response?.http_request.status_code).toBe(200);
    expect(answer.response?.tcp_connect[`127.0.0.1:${port}`]).toEqual({ status: true, failure: null });
  });

  it('rejects a short token and bad numbers', async () => {
    await expect(runControl({ listen: '127.0.0.1:0', token: 'short' })).rejects.toBeInstanceOf(UsageError);
    await expect(runControl({ listen: '127.0.0.1:0', rate: '-1' })).rejects.toBeInstanceOf(UsageError);
    await expect(runControl({ listen: '127.0.0.1:0', allowNets: '10.0.0.0/99' })).rejects.toBeInstanceOf(UsageError);
    // --only-nets covers the resolver too: a resolver outside it stops the start.
    await expect(runControl({ listen: '127.0.0.1:0', onlyNets: '198.18.0.0/15', resolver: '127.0.0.1:53' })).rejects.toBeInstanceOf(GuardError);
  });

  it('registers `control` with --listen in its help (the lab looks for it)', async () => {
    const program = new Command('censorprobe').exitOverride();
    let out = '';
    program.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
    registerControl(program);
    program.commands.forEach((c) => c.exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) }));
    await expect(program.parseAsync(['node', 'censorprobe', 'control', '--help'])).rejects.toBeInstanceOf(CommanderError);
    expect(out).toContain('--listen <host:port>');
    expect(out).toContain('--allow-nets <cidrs>');
    await expect(program.parseAsync(['node', 'censorprobe', 'control', '--listen', 'nonsense'])).rejects.toBeInstanceOf(UsageError);
  });
});
