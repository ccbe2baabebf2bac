// CLI flags for client certificates: `typetls server --client-ca [--require-client-cert]
// [--crl FILE]...` and `typetls client --cert --key`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError, parseClientArgs, parseServerArgs } from '../../src/cli/args.ts';

const base = ['--cert', 'c.pem', '--key', 'k.pem'];

test('server: mTLS flags absent leave the args unchanged', () => {
  const a = parseServerArgs(base);
  assert.equal('clientCa' in a, false);
  assert.equal('requireClientCert' in a, false);
  assert.equal('crl' in a, false);
});

test('server: --client-ca, --require-client-cert and repeated --crl', () => {
  const a = parseServerArgs([...base, '--client-ca', 'ca.pem', '--require-client-cert', '--crl', 'a.crl', '--crl', 'b.crl']);
  assert.equal(a.clientCa, 'ca.pem');
  assert.equal(a.requireClientCert, true);
  assert.deepEqual(a.crl, ['a.crl', 'b.crl']);
  const optional = parseServerArgs([...base, '--client-ca', 'ca.pem']);
  assert.equal(optional.requireClientCert, undefined);
});

test('server: --require-client-cert and --crl need --client-ca', () => {
  assert.throws(() => parseServerArgs([...base, '--require-client-cert']), (e: unknown) => e instanceof UsageError && /--client-ca/.test(e.message));
  assert.throws(() => parseServerArgs([...base, '--crl', 'x.crl']), (e: unknown) => e instanceof UsageError && /--client-ca/.test(e.message));
});

test('client: --cert and --key go together', () => {
  const a = parseClientArgs(['example.com', '--cert', 'chain.pem', '--key', 'key.pem']);
  assert.deepEqual([a.cert, a.key], ['chain.pem', 'key.pem']);
  assert.equal('cert' in parseClientArgs(['example.com']), false);
  assert.throws(() => parseClientArgs(['example.com', '--cert', 'chain.pem']), (e: unknown) => e instanceof UsageError && /--key/.test(e.message));
  assert.throws(() => parseClientArgs(['example.com', '--key', 'key.pem']), (e: unknown) => e instanceof UsageError);
});
