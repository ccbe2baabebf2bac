// Argument parsing of `typetls server` / `typetls client`, and main's usage errors (in process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { parseClientArgs, parseHostPort, parseServerArgs, UsageError } from '../../src/cli/args.ts';
import { main } from '../../src/cli/main.ts';
import type { CliIo } from '../../src/cli/io.ts';

function captureIo(): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (c: Buffer) => { o += c.toString(); });
  stderr.on('data', (c: Buffer) => { e += c.toString(); });
  return {
    io: { stdout, stderr, stdin: () => new PassThrough(), readFile: () => { throw new Error('no files in this test'); }, env: {} },
    out: () => o,
    err: () => e,
  };
}

test('server: defaults, repeated --alpn, --mode, --verbose', () => {
  const a = parseServerArgs(['--cert', 'c.pem', '--key', 'k.pem']);
  assert.deepEqual(a, { kind: 'server', cert: 'c.pem', key: 'k.pem', host: '127.0.0.1', port: 4433, alpn: [], mode: 'http', verbose: false, minVersion: null, maxVersion: null });
  const b = parseServerArgs(['--cert', 'c', '--key', 'k', '--port', '0', '--alpn', 'h2', '--alpn', 'http/1.1', '--mode', 'echo', '--verbose', '--host', '::1']);
  assert.deepEqual([b.port, b.alpn, b.mode, b.verbose, b.host], [0, ['h2', 'http/1.1'], 'echo', true, '::1']);
  assert.throws(() => parseServerArgs(['--key', 'k']), /--cert is required/);
  assert.throws(() => parseServerArgs(['--cert', 'c', '--key', 'k', '--mode', 'ftp']), /--mode "ftp" is not http or echo/);
  assert.throws(() => parseServerArgs(['--cert', 'c', '--key', 'k', '--port', '70000']), /not a port number/);
  assert.throws(() => parseServerArgs(['--cert', 'c', '--key', 'k', '--bogus']), UsageError);
});

test('HOST[:PORT] forms, including bracketed IPv6', () => {
  assert.deepEqual(parseHostPort('example.com'), { host: 'example.com', port: 443 });
  assert.deepEqual(parseHostPort('example.com:8443'), { host: 'example.com', port: 8443 });
  assert.deepEqual(parseHostPort('127.0.0.1:4433'), { host: '127.0.0.1', port: 4433 });
  assert.deepEqual(parseHostPort('[::1]:4433'), { host: '::1', port: 4433 });
  assert.deepEqual(parseHostPort('[::1]'), { host: '::1', port: 443 });
  assert.deepEqual(parseHostPort('::1'), { host: '::1', port: 443 });
  assert.throws(() => parseHostPort('fe80::1:4433x'), /brackets/);
  assert.throws(() => parseHostPort('[example.com]:1'), /not an IPv6 address/);
  assert.throws(() => parseHostPort('host:port'), /not a port number/);
  assert.throws(() => parseHostPort(':443'), /HOST is empty/);
});

test('client: --http with and without PATH, --servername, --ca, --alpn', () => {
  const a = parseClientArgs(['localhost:4433', '--http']);
  assert.equal(a.http, '/');
  assert.equal(a.port, 4433);
  const b = parseClientArgs(['--http', '/status?x=1', 'example.com', '--servername', 'api.test', '--ca', 'ca.pem', '--alpn', 'h2', '-v']);
  assert.deepEqual([b.http, b.host, b.port, b.servername, b.ca, b.alpn, b.verbose], ['/status?x=1', 'example.com', 443, 'api.test', 'ca.pem', ['h2'], true]);
  const c = parseClientArgs(['example.com', '--http', '--verbose']);
  assert.deepEqual([c.http, c.verbose], ['/', true]);
  assert.equal(parseClientArgs(['example.com']).http, null);
  assert.throws(() => parseClientArgs([]), /expected one HOST\[:PORT\], got 0/);
  assert.throws(() => parseClientArgs(['a', 'b']), /got 2/);
  assert.throws(() => parseClientArgs(['a', '--http=nopath']), /must start with "\/"/);
  assert.throws(() => parseClientArgs(['a', '--min-version', '1.1']), /not TLSv1.2 or TLSv1.3/);
});

test('main: usage errors print one error line and exit 2; help exits 0', async () => {
  const c = captureIo();
  assert.equal(await main(['frobnicate'], c.io), 2);
  assert.equal(c.err(), 'error: unknown command "frobnicate"; expected server, client, verify, demo or bench\n');
  const d = captureIo();
  assert.equal(await main(['client'], d.io), 2);
  assert.match(d.err(), /^error: expected one HOST\[:PORT\], got 0; usage: typetls client/);
  assert.equal(d.err().split('\n').length, 2, 'exactly one line');
  const h = captureIo();
  assert.equal(await main(['help'], h.io), 0);
  assert.match(h.out(), /typetls <command>/);
  assert.match(h.out(), /server --cert CHAIN.pem --key KEY.pem/);
});

test('main: a missing certificate file is one error line with exit 1', async () => {
  const c = captureIo();
  assert.equal(await main(['server', '--cert', '/nonexistent.pem', '--key', '/nonexistent.key', '--port', '0'], c.io), 1);
  assert.equal(c.err(), 'error: no files in this test\n');
});
