// `--min-version/--max-version 1.2|1.3` and repeatable `--suite NAME` for `typetls server` / `typetls client`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClientArgs, parseServerArgs } from '../../src/cli/args.ts';

test('server: --suite is repeatable and keeps order; versions accept 1.2 and TLSv1.3', () => {
  const a = parseServerArgs(['--cert', 'c.pem', '--key', 'k.pem', '--min-version', '1.2', '--max-version', 'TLSv1.3', '--suite', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', '--suite', 'TLS_AES_128_GCM_SHA256']);
  assert.equal(a.minVersion, 'TLSv1.2');
  assert.equal(a.maxVersion, 'TLSv1.3');
  assert.deepEqual(a.cipherSuites, ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256']);
});

test('client: --max-version 1.2 with one suite; no --suite leaves the default', () => {
  const a = parseClientArgs(['example.test', '--max-version', '1.2', '--suite', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256']);
  assert.equal(a.maxVersion, 'TLSv1.2');
  assert.deepEqual(a.cipherSuites, ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256']);
  assert.equal(parseClientArgs(['example.test']).cipherSuites, undefined);
});

test('a suite that is not an IANA name is a usage error naming it', () => {
  assert.throws(() => parseClientArgs(['example.test', '--suite', 'ECDHE-RSA-AES128-GCM-SHA256']), /--suite "ECDHE-RSA-AES128-GCM-SHA256" is not an IANA cipher suite name/);
  assert.throws(() => parseServerArgs(['--cert', 'c', '--key', 'k', '--min-version', '1.1']), /--min-version "1.1" is not TLSv1.2 or TLSv1.3/);
});
