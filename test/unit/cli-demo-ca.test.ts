// The demo CA's certificates: accepted by openssl verify, by webpki, and by node:tls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { createDemoCa, derOid, derTlv, derUnsignedInteger, type DemoKeyType } from '../../src/cli/demo-ca.ts';
import { verifyCertificateChain, trustAnchorFromCertificate, serverNameFromString } from '../../src/webpki/index.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';

test('DER writer: lengths, OIDs and integers', () => {
  assert.deepEqual(derTlv(0x04, new Uint8Array(3)), new Uint8Array([4, 3, 0, 0, 0]));
  const long = derTlv(0x04, new Uint8Array(300));
  assert.deepEqual(long.subarray(0, 4), new Uint8Array([4, 0x82, 0x01, 0x2c]));
  assert.deepEqual(derOid('1.2.840.10045.4.3.2'), new Uint8Array([6, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 4, 3, 2]));
  assert.deepEqual(derUnsignedInteger(new Uint8Array([0, 0, 0x80])), new Uint8Array([2, 2, 0, 0x80]));
  assert.deepEqual(derUnsignedInteger(new Uint8Array([0, 0x7f])), new Uint8Array([2, 1, 0x7f]));
});

for (const keyType of ['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa-2048'] as DemoKeyType[]) {
  test(`${keyType}: openssl, node and webpki accept the chain for localhost and 127.0.0.1`, () => {
    const ca = createDemoCa(`demo ${keyType}`, { keyType });
    const leaf = ca.issue(['localhost', '127.0.0.1', '::1'], { keyType });
    const x = new X509Certificate(leaf.pem);
    assert.ok(x.verify(new X509Certificate(ca.certificate.pem).publicKey));
    assert.equal(x.checkHost('localhost'), 'localhost');
    assert.equal(x.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(x.checkIP('::1'), '::1');
    const anchors = [trustAnchorFromCertificate(ca.certificate.der)];
    for (const name of ['localhost', '127.0.0.1', '::1']) {
      const path = verifyCertificateChain({
        endEntity: leaf.der, intermediates: [], anchors, signatures: nodeCryptoProvider.signatures,
        now: Date.now(), usage: 'server', serverName: serverNameFromString(name),
      });
      assert.ok(path);
    }
    {
      const dir = mkdtempSync(join(tmpdir(), 'typetls-demo-ca-'));
      try {
        writeFileSync(join(dir, 'ca.pem'), ca.certificate.pem);
        writeFileSync(join(dir, 'leaf.pem'), leaf.pem);
        const r = spawnSync('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-verify_hostname', 'localhost', '-CAfile', join(dir, 'ca.pem'), join(dir, 'leaf.pem')], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stdout + r.stderr);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
}

test('validity options are honoured (an expired certificate can be made for tests)', () => {
  const ca = createDemoCa();
  const leaf = ca.issue(['old.test'], { notBefore: Date.UTC(2001, 0, 1), notAfter: Date.UTC(2060, 0, 1) });
  const x = new X509Certificate(leaf.pem);
  assert.equal(new Date(x.validFrom).getUTCFullYear(), 2001);
  assert.equal(new Date(x.validTo).getUTCFullYear(), 2060, 'GeneralizedTime from 2050');
});
