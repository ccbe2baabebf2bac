// PEM decoding/encoding (RFC 7468) and the trust stores (bundled roots, SSL_CERT_FILE, SSL_CERT_DIR).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { decodePem, encodePem, readCertificates } from '../../src/node/pem.ts';
import { bundledRoots, loadSystemRoots, trustAnchors } from '../../src/node/trust-store.ts';
import { createDemoCa } from '../../src/cli/demo-ca.ts';
import { isTlsError } from '../../src/core/errors.ts';

const ca1 = createDemoCa('root one').certificate;
const ca2 = createDemoCa('root two').certificate;
const ca3 = createDemoCa('root three').certificate;

function assertCode(f: () => unknown, code: string, message?: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(isTlsError(e), `expected a TlsError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test('encodePem and decodePem round-trip, with explanatory text and CRLF line ends', () => {
  const pem = encodePem('CERTIFICATE', ca1.der);
  assert.match(pem, /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END CERTIFICATE-----\n$/);
  const text = `subject=root one\r\n${pem.replace(/\n/g, '\r\n')}garbage between\n${encodePem('PRIVATE KEY', new Uint8Array([1, 2, 3]))}`;
  const blocks = decodePem(text);
  assert.deepEqual(blocks.map((b) => b.label), ['CERTIFICATE', 'PRIVATE KEY']);
  assert.deepEqual(blocks[0]!.der, ca1.der);
  assert.deepEqual(blocks[1]!.der, new Uint8Array([1, 2, 3]));
});

test('decodePem rejects mismatched labels, bad base64, encrypted legacy headers and a missing END', () => {
  assertCode(() => decodePem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END X509 CRL-----\n'), 'ERR_TLS_CONFIG_BAD_CERTIFICATE', /END X509 CRL.*expected "END CERTIFICATE"/);
  assertCode(() => decodePem('-----BEGIN CERTIFICATE-----\nAA*A\n-----END CERTIFICATE-----\n'), 'ERR_TLS_CONFIG_BAD_CERTIFICATE', /base64/);
  assertCode(() => decodePem('-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n'), 'ERR_TLS_CONFIG_BAD_CERTIFICATE', /base64/);
  assertCode(() => decodePem('-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END RSA PRIVATE KEY-----\n'), 'ERR_TLS_CONFIG_BAD_CERTIFICATE', /headers/);
  assertCode(() => decodePem(encodePem('CERTIFICATE', ca1.der) + '-----BEGIN CERTIFICATE-----\nAAAA\n'), 'ERR_TLS_CONFIG_BAD_CERTIFICATE', /without a matching/);
  assert.deepEqual(decodePem('no pem here'), []);
});

test('readCertificates takes PEM text, PEM bytes, DER bytes and lists; skips keys; needs one certificate', () => {
  const bundle = ca1.pem + ca2.pem;
  assert.deepEqual(readCertificates(bundle), [ca1.der, ca2.der]);
  assert.deepEqual(readCertificates(new TextEncoder().encode(bundle)), [ca1.der, ca2.der]);
  assert.deepEqual(readCertificates([ca1.der, ca2.pem]), [ca1.der, ca2.der]);
  assert.deepEqual(readCertificates(ca1.keyPem + ca3.pem), [ca3.der]);
  assertCode(() => readCertificates(ca1.keyPem, '"ca"'), 'ERR_TLS_CONFIG_BAD_CERTIFICATE', /no CERTIFICATE found in "ca"/);
});

test('TRUSTED CERTIFICATE blocks yield the certificate without the trust settings', () => {
  const aux = new Uint8Array([0x30, 0x03, 0x06, 0x01, 0x00]);
  const trusted = new Uint8Array(ca1.der.length + aux.length);
  trusted.set(ca1.der);
  trusted.set(aux, ca1.der.length);
  assert.deepEqual(readCertificates(encodePem('TRUSTED CERTIFICATE', trusted)), [ca1.der]);
});

test('bundled roots are Node\'s Mozilla roots, parsed once', () => {
  const roots = bundledRoots();
  assert.equal(roots.length, tls.rootCertificates.length);
  assert.equal(bundledRoots(), roots, 'cached');
  assert.equal(trustAnchors('bundled'), roots);
  assert.ok(roots.every((r) => r[0] === 0x30));
});

test('system roots: SSL_CERT_FILE replaces the bundle list, SSL_CERT_DIR reads hashed directories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'typetls-trust-'));
  try {
    const file = join(dir, 'bundle.pem');
    writeFileSync(file, ca1.pem + ca2.pem);
    const certs = join(dir, 'certs');
    const other = join(dir, 'other');
    writeFileSync(join(dir, 'unused.pem'), ca3.pem);
    // A hashed directory: <hash>.0 links, a .crt, a CRL (<hash>.r0) and junk to skip.
    makeDir(certs);
    writeFileSync(join(certs, 'root-two.crt'), ca2.pem);
    symlinkSync(join(dir, 'unused.pem'), join(certs, 'abcdef01.0'));
    writeFileSync(join(certs, 'abcdef01.r0'), 'not a certificate');
    writeFileSync(join(certs, 'README'), ca1.pem);
    writeFileSync(join(certs, 'broken.pem'), '-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n');
    makeDir(other);
    writeFileSync(join(other, 'one.pem'), ca1.pem);

    const fileOnly = loadSystemRoots({ env: { SSL_CERT_FILE: file }, directories: [], getCACertificates: () => [ca3.pem] });
    assert.deepEqual(fileOnly.roots, [ca1.der, ca2.der], 'SSL_CERT_FILE wins over getCACertificates');
    assert.deepEqual(fileOnly.sources, [file]);

    const dirs = loadSystemRoots({ env: { SSL_CERT_DIR: `${certs}:${other}` }, bundleFiles: [join(dir, 'missing.pem')], getCACertificates: null });
    assert.deepEqual(new Set(dirs.roots.map((r) => Buffer.from(r).toString('hex'))), new Set([ca3.der, ca2.der, ca1.der].map((r) => Buffer.from(r).toString('hex'))));
    assert.equal(dirs.roots.length, 3, 'README and the CRL are skipped, duplicates removed');

    const both = loadSystemRoots({ env: { SSL_CERT_FILE: file, SSL_CERT_DIR: certs }, getCACertificates: null });
    assert.equal(both.roots.length, 3, 'file then directory, deduplicated');

    const defaults = loadSystemRoots({ env: {}, bundleFiles: [join(dir, 'missing.pem'), file, join(dir, 'unused.pem')], directories: [other], getCACertificates: null });
    assert.deepEqual(defaults.roots, [ca1.der, ca2.der], 'first existing bundle file only, plus directories');

    const node = loadSystemRoots({ env: {}, getCACertificates: () => [ca3.pem, ca3.pem] });
    assert.deepEqual(node.roots, [ca3.der]);
    assert.deepEqual(node.sources, ["tls.getCACertificates('system')"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function makeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path);
}
